from django.db import models


class Province(models.Model):
    code = models.CharField("کد ISO", max_length=5, unique=True)  # ISO 3166-2:IR, e.g. IR-06
    name_fa = models.CharField("نام", max_length=64)
    name_en = models.CharField("نام لاتین", max_length=64)
    population_1395 = models.PositiveIntegerField("جمعیت سرشماری ۱۳۹۵")

    class Meta:
        verbose_name = "استان"
        verbose_name_plural = "استان‌ها"
        ordering = ["name_fa"]

    def __str__(self) -> str:
        return self.name_fa


class County(models.Model):
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="counties")
    name_fa = models.CharField("نام", max_length=64)
    name_en = models.CharField("نام لاتین", max_length=64)

    class Meta:
        verbose_name = "شهرستان"
        verbose_name_plural = "شهرستان‌ها"
        ordering = ["name_fa"]
        constraints = [
            models.UniqueConstraint(fields=["province", "name_en"], name="county_unique_name")
        ]

    def __str__(self) -> str:
        return self.name_fa


class NationalCodePrefix(models.Model):
    """The first three digits of a national code name the county that issued it."""

    prefix = models.CharField("پیشوند کد ملی", max_length=3, unique=True)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="prefixes")

    class Meta:
        verbose_name = "پیشوند کد ملی"
        verbose_name_plural = "پیشوندهای کد ملی"
        ordering = ["prefix"]

    def __str__(self) -> str:
        return f"{self.prefix} {self.county}"


class City(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="cities")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="cities")
    name_fa = models.CharField("نام", max_length=64)
    name_en = models.CharField("نام لاتین", max_length=64)
    is_provincial_capital = models.BooleanField("مرکز استان", default=False)

    class Meta:
        verbose_name = "شهر"
        verbose_name_plural = "شهرها"
        ordering = ["name_fa"]
        constraints = [
            models.UniqueConstraint(fields=["county", "name_en"], name="city_unique_name")
        ]

    def __str__(self) -> str:
        return self.name_fa
