"""Maintained aggregates for the figures: narrow fact rows kept up to date by reports_refresh.

Reports only read the lifecycle tables. A page never scans them: it sums a few hundred rows
of `Fact` (a month row for each full month before the as-of date, then day rows of its
month), which `hoviat.reports.services.reports_refresh` rebuilds set-based, by SQL GROUP BY.
"""

from django.db import models


class Grain(models.TextChoices):
    NATION = "n", "کشور"
    PROVINCE = "p", "استان"
    COUNTY = "c", "شهرستان"
    OFFICE = "o", "دفتر"


class Period(models.TextChoices):
    DAY = "d", "روز"
    # A count's Gregorian calendar month (the sum of its day rows), or a rate's Jalali month
    # (start = the Gregorian date of its 1st): rates are read over whole Jalali months.
    MONTH = "m", "ماه"
    TOTAL = "c", "جمع تا پایان ماه"  # a count's running total through the end of the month


class Fact(models.Model):
    """How many `metric` events happened in one area during one day (or one month).

    `area` is 0 for the nation, else the id of the province, county or office (0 at county
    grain: the citizen's county is unknown). `bucket` splits lead-time metrics by whole days.
    The eligible population is stored here too: `start` is then the birth date (clamped to
    REPORTS_BIRTH_FLOOR) and the figure as of D sums the rows born on or before the cut-off.
    Plain integers, not foreign keys: reports only read, and never hold other apps' rows.
    """

    grain = models.CharField(max_length=1, choices=Grain.choices)
    area = models.IntegerField()
    province = models.IntegerField(null=True)  # the area's province (county and office grains)
    county = models.IntegerField(null=True)  # the office's county (office grain)
    period = models.CharField(max_length=1, choices=Period.choices)
    start = models.DateField()
    metric = models.CharField(max_length=16)
    bucket = models.SmallIntegerField(default=0)
    value = models.BigIntegerField()

    class Meta:
        verbose_name = "آمار تجمیعی"
        verbose_name_plural = "آمارهای تجمیعی"
        indexes = [
            models.Index(
                fields=["grain", "area", "period", "start"], name="reports_fact_area_start"
            ),
            # Every area of a grain at once (all provinces; a province's counties or offices).
            models.Index(
                fields=["grain", "period", "start", "province"], name="reports_fact_grain_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grain}{self.area} {self.start} {self.metric}={self.value}"


class RefreshState(models.Model):
    """The one row that says how fresh the facts are; locking it orders concurrent refreshes."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    refreshed_at = models.DateTimeField(null=True)  # when the last refresh began (its mark)
    full_at = models.DateTimeField(null=True)  # the last full rebuild
    eligible_at = models.DateTimeField(null=True)
    eligible_max_citizen = models.BigIntegerField(default=0)
    seconds = models.FloatField(default=0)
    since = models.DateField(null=True)  # first day recomputed by the last refresh

    class Meta:
        verbose_name = "وضعیت به‌روزرسانی آمار"
        verbose_name_plural = "وضعیت به‌روزرسانی آمار"
        constraints = [
            models.CheckConstraint(name="reports_refresh_singleton", condition=models.Q(id=1))
        ]

    def __str__(self) -> str:
        return f"refreshed {self.refreshed_at}"


class CitizenshipFigure(models.Model):
    """One area's citizenship-case figures (a county, or a province: its counties together),
    rebuilt by reports_refresh from the cases (hoviat.citizenship.selectors.citizenship_figures)
    so the directors' page reads a few rows, never the cases."""

    level = models.CharField(max_length=8)  # "county" or "province"
    area = models.IntegerField()  # the county's or the province's id
    province = models.IntegerField()  # the area's province (itself for a province)
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=128)
    open = models.IntegerField()
    open_age_p50_days = models.IntegerField(null=True)
    open_age_p90_days = models.IntegerField(null=True)
    overdue_inquiries = models.IntegerField()
    approved = models.IntegerField()
    refused = models.IntegerField()
    more_evidence = models.IntegerField()
    people_documented = models.IntegerField()
    decided = models.IntegerField()
    decided_within_90_pct = models.FloatField(null=True)
    on = models.DateField()  # the day the ages and overdue inquiries were counted on

    class Meta:
        verbose_name = "آمار پرونده‌های تابعیت"
        verbose_name_plural = "آمار پرونده‌های تابعیت"
        constraints = [
            models.UniqueConstraint(fields=["level", "area"], name="reports_citizenship_area")
        ]
        indexes = [models.Index(fields=["province", "level"], name="reports_citizenship_prov")]

    def __str__(self) -> str:
        return f"{self.level} {self.code}"
