from django.db import models
from django.db.models import Q


class EnrolmentStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "در حال ثبت"
    COMPLETED = "completed", "تکمیل شده"
    ABANDONED = "abandoned", "رها شده"


class Document(models.TextChoices):
    """The papers an operator checks against the form, by their API codes."""

    SHENASNAMEH_ORIGINAL = "shenasnameh_original", "اصل شناسنامه عکس‌دار دیده شد"
    OLD_CARD_SURRENDERED = "old_card_surrendered", "کارت ملی قدیمی تحویل گرفته شد"
    FORM_CONFIRMED = "form_confirmed", "اطلاعات فرم با ثبت احوال مطابقت دارد"


class FingerPosition(models.IntegerChoices):
    """Finger position codes of ISO/IEC 19794-4 (and ANSI/NIST-ITL): 0 is unknown."""

    RIGHT_THUMB = 1, "شست راست"
    RIGHT_INDEX = 2, "اشاره راست"
    RIGHT_MIDDLE = 3, "میانی راست"
    RIGHT_RING = 4, "حلقه راست"
    RIGHT_LITTLE = 5, "کوچک راست"
    LEFT_THUMB = 6, "شست چپ"
    LEFT_INDEX = 7, "اشاره چپ"
    LEFT_MIDDLE = 8, "میانی چپ"
    LEFT_RING = 9, "حلقه چپ"
    LEFT_LITTLE = 10, "کوچک چپ"


class MissingFingerReason(models.TextChoices):
    AMPUTATED = "AMPUTATED", "قطع عضو"
    BANDAGED = "BANDAGED", "آسیب یا باندپیچی موقت"
    UNABLE_TO_CAPTURE = "UNABLE_TO_CAPTURE", "ثبت اثر انگشت ممکن نشد"


class Enrolment(models.Model):
    """The in-person visit: documents checked, face and fingers captured, receipt handed over."""

    # OneToOne: a second enrolment of the same application is refused by the database too.
    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="enrolment"
    )
    office = models.ForeignKey(
        "offices.Office", on_delete=models.PROTECT, related_name="enrolments"
    )
    operator = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(
        "وضعیت", max_length=16, choices=EnrolmentStatus.choices, default=EnrolmentStatus.IN_PROGRESS
    )
    walk_in = models.BooleanField("بدون نوبت قبلی", default=False)
    started_at = models.DateTimeField("آغاز")
    completed_at = models.DateTimeField("پایان", null=True, blank=True)
    shenasnameh_original = models.BooleanField("اصل شناسنامه", default=False)
    old_card_surrendered = models.BooleanField("تحویل کارت قدیمی", default=False)
    form_confirmed = models.BooleanField("تطبیق فرم با ثبت احوال", default=False)
    face_sha256 = models.CharField(max_length=64, blank=True)
    # {"1": {"sha256": "…"}, "2": {"missing": "AMPUTATED"}, …}: the ten fingers as completed.
    fingerprints = models.JSONField(default=dict, blank=True)
    # A re-issue or replacement made without a new visit: this row reuses the face and finger
    # references (and the files) of the earlier enrolment while they are within retention.
    reused_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reused_by"
    )
    updated_at = models.DateTimeField(auto_now=True)

    TRANSITIONS = {
        "completed": {"in_progress"},
        "abandoned": {"in_progress"},
        "in_progress": {"abandoned"},  # the citizen came back
    }

    class Meta:
        verbose_name = "ثبت‌نام حضوری"
        verbose_name_plural = "ثبت‌نام‌های حضوری"
        indexes = [models.Index(fields=["office", "started_at"])]

    def __str__(self) -> str:
        return f"enrolment {self.pk} of {self.application_id} ({self.status})"


class BiometricKind(models.TextChoices):
    FACE = "face", "چهره"
    FINGER = "finger", "اثر انگشت"


class BiometricSource(models.TextChoices):
    DEVICE = "device", "دستگاه"
    UPLOAD = "upload", "بارگذاری"


class BiometricFile(models.Model):
    """One captured image, encrypted on disk; the row keeps its hash and shape."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="biometrics")
    kind = models.CharField(max_length=8, choices=BiometricKind.choices)
    # 0 for the face, 1–10 for a finger (FingerPosition).
    position = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=8, choices=BiometricSource.choices)
    sha256 = models.CharField(max_length=64)  # of the plain image, checked on every read
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    # A random name under BIOMETRIC_DIR: nothing about the person in the path.
    storage_name = models.CharField(max_length=80, unique=True)
    captured_at = models.DateTimeField()

    class Meta:
        verbose_name = "فایل زیست‌سنجی"
        verbose_name_plural = "فایل‌های زیست‌سنجی"
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "position"], name="biometric_one_per_position"
            ),
            models.CheckConstraint(
                name="biometric_position_matches_kind",
                condition=(
                    Q(kind="face", position=0) | Q(kind="finger", position__gte=1, position__lte=10)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.position} of enrolment {self.enrolment_id}"


class Receipt(models.Model):
    """The stamped receipt (رسید): a stand-in for the card until it is delivered.

    The PDF is not stored: it is rendered from this row and the encrypted face on demand, so
    nothing personal lies on disk in the clear. The signed QR text is stored, because a
    signature made again would differ (ECDSA) and the printed one must keep verifying.
    """

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="receipts"
    )
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="receipts")
    receipt_number = models.CharField("شماره رسید", max_length=10, unique=True)
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="receipts")
    issued_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, related_name="receipts_issued"
    )
    issued_at = models.DateTimeField("تاریخ صدور")
    valid_until = models.DateField("اعتبار تا")
    qr_text = models.TextField()
    superseded_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "رسید ثبت‌نام"
        verbose_name_plural = "رسیدهای ثبت‌نام"
        constraints = [
            # At most one receipt of an application is current: a reissue supersedes the old.
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(superseded_at__isnull=True),
                name="one_current_receipt_per_application",
            ),
        ]

    def __str__(self) -> str:
        return self.receipt_number

    @property
    def is_superseded(self) -> bool:
        return self.superseded_at is not None
