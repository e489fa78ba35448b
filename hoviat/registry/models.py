from django.db import models


class Gender(models.TextChoices):
    MALE = "male", "مرد"
    FEMALE = "female", "زن"


class Citizen(models.Model):
    """A person in the population registry (ثبت احوال), as the registry knows them."""

    # Unique through Meta.constraints, not unique=True: on PostgreSQL unique=True also builds
    # a second, varchar_pattern_ops index for LIKE, which exact-code lookups never use and
    # every insert would pay for.
    national_code = models.CharField("کد ملی", max_length=10)
    first_name = models.CharField("نام", max_length=64)
    last_name = models.CharField("نام خانوادگی", max_length=64)
    father_name = models.CharField("نام پدر", max_length=64)
    mother_name = models.CharField("نام مادر", max_length=64)
    gender = models.CharField("جنسیت", max_length=6, choices=Gender.choices)
    birth_date = models.DateField("تاریخ تولد")
    shenasnameh_number = models.CharField("شماره شناسنامه", max_length=10)
    # The serial printed on the booklet: series number, series letter, 6-digit serial
    # («۲۰/الف ۱۲۳۴۵۶» is series 20, letter الف, serial 123456).
    shenasnameh_series = models.PositiveSmallIntegerField("شماره سری شناسنامه")
    shenasnameh_letter = models.CharField("حرف سری شناسنامه", max_length=3)
    shenasnameh_serial = models.CharField("سریال شناسنامه", max_length=6)
    # No index of its own: nothing looks citizens up by issuing county, and counties are
    # never deleted; each index is paid on every one of millions of imported rows.
    issuing_county = models.ForeignKey(
        "places.County",
        verbose_name="محل صدور",
        on_delete=models.PROTECT,
        related_name="issued_citizens",
        db_index=False,
    )
    # Indexed by the (residence_province, birth_date) index below, which leads with it.
    residence_province = models.ForeignKey(
        "places.Province",
        verbose_name="استان محل سکونت",
        on_delete=models.PROTECT,
        related_name="residents",
        db_index=False,
    )
    residence_city = models.ForeignKey(
        "places.City",
        verbose_name="شهر محل سکونت",
        on_delete=models.PROTECT,
        related_name="residents",
        null=True,
        blank=True,
    )
    mobile = models.CharField("تلفن همراه", max_length=11, blank=True)
    is_alive = models.BooleanField("در قید حیات", default=True)
    has_photo_shenasnameh = models.BooleanField("شناسنامه عکس‌دار", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "شهروند"
        verbose_name_plural = "شهروندان"
        constraints = [
            models.UniqueConstraint(fields=["national_code"], name="citizen_unique_national_code")
        ]
        indexes = [models.Index(fields=["residence_province", "birth_date"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.national_code})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class OldCard(models.Model):
    """The old paper national card, kept so its validity can be judged under policy."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="old_cards")
    card_number = models.CharField("شماره کارت", max_length=16, unique=True)
    issued_on = models.DateField("تاریخ صدور")
    invalidated_on = models.DateField("تاریخ ابطال", null=True, blank=True)

    class Meta:
        verbose_name = "کارت ملی قدیمی"
        verbose_name_plural = "کارت‌های ملی قدیمی"

    def __str__(self) -> str:
        return self.card_number


class OwnershipSource(models.TextChoices):
    REGISTRY = "registry", "شمارهٔ همراه ثبت‌شده در ثبت احوال"
    HTTP = "http", "پاسخ سامانهٔ مالکیت خطوط (شاهکار)"


class MobileOwnership(models.Model):
    """A mobile line and the national code it is registered to (as Shahkar answers it).

    The simulator backend answers from these rows; the HTTP backend records each yes it
    receives here, so a citizen's own applications can be listed by their mobile.
    """

    mobile = models.CharField("تلفن همراه", max_length=11)
    national_code = models.CharField("کد ملی", max_length=10)
    source = models.CharField("منبع", max_length=8, choices=OwnershipSource.choices)
    verified_at = models.DateTimeField("زمان تأیید")

    class Meta:
        verbose_name = "مالکیت خط همراه"
        verbose_name_plural = "مالکیت خطوط همراه"
        # A pair, not a unique mobile: the registry's mobiles repeat (families share a line
        # in the data), and a yes/no per pair is all the real registry answers.
        constraints = [
            models.UniqueConstraint(
                fields=["mobile", "national_code"], name="mobile_ownership_unique_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mobile} → {self.national_code}"


class NationalCodeSequence(models.Model):
    """The next unused 6-digit sequence of one county prefix, for codes the registry itself
    allocates (late registration: `citizens_register`). Locked row by row while a code is
    taken, so two registrations never take the same code; a sequence never moves back, so a
    code is never reused, and codes already in `registry_citizen` (imported, generated) are
    stepped over."""

    prefix = models.CharField("پیشوند کد ملی", max_length=3)
    next_sequence = models.PositiveIntegerField("دنبالهٔ بعدی", default=1)

    class Meta:
        verbose_name = "دنبالهٔ کد ملی"
        verbose_name_plural = "دنباله‌های کد ملی"
        constraints = [
            models.UniqueConstraint(fields=["prefix"], name="national_code_sequence_unique_prefix")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}: {self.next_sequence}"
