"""Citizenship cases of people without a birth certificate (افراد فاقد شناسنامه).

Numbers a case carries, none of which can be mistaken for a national code (10 digits), a
tracking code (11 digits) or a card serial:

- the case number: «CZ» and 8 random digits (a reference people quote to the office);
- the temporary identifier (شناسهٔ موقت): 12 digits, the first two «77», then 9 random digits
  and a Damm check digit. Twelve digits is a length no national code has, so a temporary
  identifier typed where a national code is expected is refused by its length, and the
  other way round; the check digit catches a mistyped digit or two swapped neighbours.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Function(models.TextChoices):
    """What a member of staff does for citizenship cases, in one county."""

    CASE_OFFICER = "case_officer", "کارشناس پرونده"
    COUNCIL_MEMBER = "council_member", "عضو شورای تأمین شهرستان"
    POLICE = "police", "کاربر انتظامی (احراز هویت)"
    SECURITY = "security", "کاربر استعلام امنیتی"
    FORENSIC = "forensic", "کاربر پزشکی قانونی"
    REGISTRY_LAWYER = "registry_lawyer", "حقوقدان ثبت احوال (ثبت حکم دادگاه)"


class Post(models.Model):
    """A member of staff's function in one county's citizenship cases (who may file, answer
    an inquiry or vote there). Directors and national admins see cases by their role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="citizenship_posts"
    )
    county = models.ForeignKey("places.County", on_delete=models.PROTECT, related_name="+")
    function = models.CharField("نقش", max_length=16, choices=Function.choices)

    class Meta:
        verbose_name = "نقش در پرونده‌های تابعیت"
        verbose_name_plural = "نقش‌ها در پرونده‌های تابعیت"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "county", "function"], name="citizenship_post_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.function} {self.county}"


class Basis(models.TextChoices):
    PARENTS = "parents", "مدارک پدر و پدربزرگ"
    ATTESTATION = "attestation", "استشهادیهٔ محلی"
    COURT = "court", "حکم دادگاه (اثبات نسب)"
    BIRTH_CERTIFICATE = "birth_certificate", "گواهی ولادت بیمارستان یا ماما"


class CaseStatus(models.TextChoices):
    INTAKE = "intake", "تشکیل پرونده"
    AWAITING_DECISION = "awaiting_decision", "در انتظار تصمیم شورا"
    MORE_EVIDENCE = "more_evidence", "نیاز به مدارک بیشتر"
    APPROVED = "approved", "تأیید تابعیت"
    REFUSED = "refused", "رد"
    ISSUED = "issued", "صدور شناسنامه"
    APPEALED = "appealed", "اعتراض در دادگاه"
    REFUSAL_UPHELD = "refusal_upheld", "تأیید رد در دادگاه"


OPEN_STATUSES = frozenset(
    {
        CaseStatus.INTAKE,
        CaseStatus.AWAITING_DECISION,
        CaseStatus.MORE_EVIDENCE,
        CaseStatus.APPROVED,
        CaseStatus.APPEALED,
    }
)
DECIDED_STATUSES = frozenset({CaseStatus.APPROVED, CaseStatus.REFUSED, CaseStatus.ISSUED})


class Case(models.Model):
    TRANSITIONS = {
        CaseStatus.AWAITING_DECISION: {CaseStatus.INTAKE, CaseStatus.MORE_EVIDENCE},
        CaseStatus.MORE_EVIDENCE: {CaseStatus.AWAITING_DECISION},
        # A court ruling that overturns a refusal approves the case as the council would have.
        CaseStatus.APPROVED: {CaseStatus.AWAITING_DECISION, CaseStatus.APPEALED},
        CaseStatus.REFUSED: {CaseStatus.AWAITING_DECISION},
        CaseStatus.ISSUED: {CaseStatus.APPROVED},
        CaseStatus.APPEALED: {CaseStatus.REFUSED},
        CaseStatus.REFUSAL_UPHELD: {CaseStatus.APPEALED},
    }

    case_number = models.CharField("شمارهٔ پرونده", max_length=10)
    temporary_id = models.CharField("شناسهٔ موقت", max_length=12)
    status = models.CharField(
        "وضعیت", max_length=20, choices=CaseStatus.choices, default=CaseStatus.INTAKE
    )
    basis = models.CharField("مبنای ادعا", max_length=20, choices=Basis.choices)
    first_name = models.CharField("نام", max_length=64)
    last_name = models.CharField("نام خانوادگی", max_length=64)
    father_name = models.CharField("نام پدر", max_length=64)
    mother_name = models.CharField("نام مادر", max_length=64)
    grandfather_name = models.CharField("نام پدربزرگ پدری", max_length=64, blank=True)
    gender = models.CharField("جنسیت", max_length=6)
    birth_date = models.DateField("تاریخ تولد", null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField("سال تولد (میلادی)")
    birth_date_approximate = models.BooleanField("تاریخ تولد تقریبی", default=False)
    birth_place = models.CharField("محل تولد", max_length=128, blank=True)
    birth_county = models.ForeignKey(
        "places.County", on_delete=models.PROTECT, related_name="+", verbose_name="شهرستان تولد"
    )
    residence_county = models.ForeignKey(
        "places.County",
        on_delete=models.PROTECT,
        related_name="citizenship_cases",
        verbose_name="شهرستان محل سکونت",
    )
    father_national_code = models.CharField("کد ملی پدر", max_length=10, blank=True)
    mother_national_code = models.CharField("کد ملی مادر", max_length=10, blank=True)
    grandfather_national_code = models.CharField("کد ملی پدربزرگ", max_length=10, blank=True)
    mobile = models.CharField("تلفن همراه", max_length=11)
    filed_online = models.BooleanField("ثبت برخط", default=False)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The same person named the same way (normalised names, parents, birth year, gender):
    # one open case each, the partial unique constraint below catches a concurrent twin.
    person_key = models.CharField(max_length=64)
    decision_round = models.PositiveSmallIntegerField(default=1)
    decision_reasons = models.TextField("دلایل تصمیم", blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    appeal_grounds = models.TextField("دلایل اعتراض", blank=True)
    appealed_at = models.DateTimeField(null=True, blank=True)
    court_outcome = models.CharField("نتیجهٔ حکم دادگاه", max_length=12, blank=True)
    court_ruling_number = models.CharField("شمارهٔ دادنامه", max_length=32, blank=True)
    court_ruling_date = models.DateField("تاریخ دادنامه", null=True, blank=True)
    citizen = models.ForeignKey(
        "registry.Citizen", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "پروندهٔ تابعیت"
        verbose_name_plural = "پرونده‌های تابعیت"
        constraints = [
            models.UniqueConstraint(fields=["case_number"], name="citizenship_case_number_unique"),
            models.UniqueConstraint(
                fields=["temporary_id"], name="citizenship_temporary_id_unique"
            ),
            models.UniqueConstraint(
                fields=["person_key"],
                condition=Q(status__in=sorted(s.value for s in OPEN_STATUSES)),
                name="citizenship_one_open_case_per_person",
            ),
        ]
        indexes = [models.Index(fields=["residence_county", "status"])]

    def __str__(self) -> str:
        return f"{self.case_number} {self.first_name} {self.last_name}"


class Relation(models.TextChoices):
    SPOUSE = "spouse", "همسر"
    CHILD = "child", "فرزند"


class FamilyMember(models.Model):
    """A spouse or child documented with the case; registered with the applicant on approval."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="family")
    relation = models.CharField("نسبت", max_length=8, choices=Relation.choices)
    first_name = models.CharField("نام", max_length=64)
    last_name = models.CharField("نام خانوادگی", max_length=64)
    father_name = models.CharField("نام پدر", max_length=64)
    mother_name = models.CharField("نام مادر", max_length=64)
    gender = models.CharField("جنسیت", max_length=6)
    birth_date = models.DateField("تاریخ تولد")
    citizen = models.ForeignKey(
        "registry.Citizen", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "عضو خانواده"
        verbose_name_plural = "اعضای خانواده"

    def __str__(self) -> str:
        return f"{self.relation} {self.first_name} {self.last_name}"


class DocumentKind(models.TextChoices):
    FATHER_DOCUMENTS = "father_documents", "مدارک هویتی پدر"
    MOTHER_DOCUMENTS = "mother_documents", "مدارک هویتی مادر"
    GRANDFATHER_DOCUMENTS = "grandfather_documents", "مدارک هویتی پدربزرگ پدری"
    LOCAL_ATTESTATION = "local_attestation", "استشهادیهٔ محلی"
    COURT_RULING = "court_ruling", "حکم دادگاه در اثبات نسب"
    BIRTH_CERTIFICATE = "birth_certificate", "گواهی ولادت بیمارستان یا ماما"


# The documents a case must hold before it may go to the council, by its basis of claim.
REQUIRED_DOCUMENTS: dict[str, tuple[str, ...]] = {
    Basis.PARENTS: (DocumentKind.FATHER_DOCUMENTS, DocumentKind.GRANDFATHER_DOCUMENTS),
    Basis.ATTESTATION: (DocumentKind.LOCAL_ATTESTATION, DocumentKind.FATHER_DOCUMENTS),
    Basis.COURT: (DocumentKind.COURT_RULING,),
    Basis.BIRTH_CERTIFICATE: (DocumentKind.BIRTH_CERTIFICATE,),
}


class Document(models.Model):
    """A scanned document (JPEG or PNG, checked like enrolment's images)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("نوع", max_length=24, choices=DocumentKind.choices)
    content_type = models.CharField(max_length=16)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    # Encrypted (services.document_add seals it through the document_seal hook).
    data = models.BinaryField()
    # A local attestation names its witnesses (at least two).
    witnesses = models.JSONField(default=list, blank=True)
    uploaded_by = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "مدرک پرونده"
        verbose_name_plural = "مدارک پرونده"

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class Agency(models.TextChoices):
    POLICE = "police", "احراز هویت انتظامی"
    SECURITY = "security", "استعلام شورای تأمین"
    FORENSIC = "forensic", "آزمایش DNA پزشکی قانونی"


REQUIRED_AGENCIES: tuple[str, ...] = (Agency.POLICE, Agency.SECURITY)
ANSWER_FUNCTION: dict[str, str] = {
    Agency.POLICE: Function.POLICE,
    Agency.SECURITY: Function.SECURITY,
    Agency.FORENSIC: Function.FORENSIC,
}


class InquiryStatus(models.TextChoices):
    ORDERED = "ordered", "ارسال‌شده"
    SAMPLE_TAKEN = "sample_taken", "نمونه گرفته شد (آزمایش DNA)"
    ANSWERED = "answered", "پاسخ داده‌شده"


# An inquiry still waiting for its answer (and so on the clock).
WAITING_INQUIRY_STATUSES = ("ordered", "sample_taken")


class Outcome(models.TextChoices):
    CONFIRMED = "confirmed", "تأیید"
    NOT_CONFIRMED = "not_confirmed", "عدم تأیید"
    MATCH = "match", "انطباق"
    NO_MATCH = "no_match", "عدم انطباق"


# Which outcomes each agency may give.
OUTCOMES_OF: dict[str, set[str]] = {
    Agency.POLICE: {Outcome.CONFIRMED, Outcome.NOT_CONFIRMED},
    Agency.SECURITY: {Outcome.CONFIRMED, Outcome.NOT_CONFIRMED},
    Agency.FORENSIC: {Outcome.MATCH, Outcome.NO_MATCH},
}


class Inquiry(models.Model):
    # A forensic test is answered only once its sample was taken (services.inquiry_answer).
    TRANSITIONS = {
        InquiryStatus.SAMPLE_TAKEN: {InquiryStatus.ORDERED},
        InquiryStatus.ANSWERED: {InquiryStatus.ORDERED, InquiryStatus.SAMPLE_TAKEN},
    }

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="inquiries")
    agency = models.CharField("مرجع", max_length=10, choices=Agency.choices)
    status = models.CharField(
        max_length=12, choices=InquiryStatus.choices, default=InquiryStatus.ORDERED
    )
    ordered_at = models.DateTimeField()
    due_on = models.DateField("مهلت پاسخ")
    sample_taken_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    note = models.TextField(blank=True)
    # When the overdue sweep flagged it to the provincial director (once; services).
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "استعلام"
        verbose_name_plural = "استعلام‌ها"
        constraints = [
            models.UniqueConstraint(
                fields=["case", "agency"],
                condition=Q(status__in=WAITING_INQUIRY_STATUSES),
                name="citizenship_one_open_inquiry_per_agency",
            )
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.agency} {self.status}"


class VoteOutcome(models.TextChoices):
    APPROVE = "approve", "تأیید"
    REFUSE = "refuse", "رد"
    MORE_EVIDENCE = "more_evidence", "مدارک بیشتر"


class Vote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=16, choices=VoteOutcome.choices)
    reasons = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "رأی شورا"
        verbose_name_plural = "آرای شورا"
        constraints = [
            models.UniqueConstraint(
                fields=["case", "member", "round"], name="citizenship_one_vote_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.member_id} {self.outcome}"


class LetterOutcome(models.TextChoices):
    APPROVED = "approved", "تأیید تابعیت"
    REFUSED = "refused", "رد درخواست"
    MORE_EVIDENCE = "more_evidence", "نیاز به مدارک بیشتر"
    REFUSAL_UPHELD = "refusal_upheld", "تأیید رد در دادگاه"


class DecisionLetter(models.Model):
    """The Persian letter that tells the applicant a decision (the council's, or a court's on
    appeal): the outcome, the written reasons, the route and window of appeal, and a QR
    signed like the enrolment receipt's (pki/letters.py). One per decision; the newest of a
    case is the one that stands. Rendered to PDF on demand from this row (pdf.py)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="letters")
    letter_number = models.CharField("شمارهٔ نامه", max_length=10)
    outcome = models.CharField("تصمیم", max_length=16, choices=LetterOutcome.choices)
    reasons = models.TextField("دلایل")
    decided_at = models.DateTimeField()
    appeal_closes_on = models.DateField("آخرین روز اعتراض", null=True, blank=True)
    national_codes = models.JSONField(default=list, blank=True)
    qr_text = models.TextField()
    issued_at = models.DateTimeField()

    class Meta:
        verbose_name = "نامهٔ تصمیم"
        verbose_name_plural = "نامه‌های تصمیم"
        constraints = [
            models.UniqueConstraint(fields=["letter_number"], name="citizenship_letter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.letter_number} {self.outcome}"


# --- Biometrics and possible duplicates -------------------------------------------------------

FACE_POSITION = 0  # as enrolment: 0 the face, 1–10 the fingers (ISO/IEC 19794-4)
FINGER_POSITIONS = tuple(range(1, 11))
MISSING_FINGER_REASONS = ("AMPUTATED", "BANDAGED", "UNABLE_TO_CAPTURE")


class CaseBiometric(models.Model):
    """The applicant's face (position 0) or one finger (1–10), captured at the office through
    enrolment's device interface or uploaded; kept sealed like the documents. A finger the
    device could not take has no image, only its reason."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="biometrics")
    position = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=8)  # device | upload
    content_type = models.CharField(max_length=16, blank=True)
    size = models.PositiveIntegerField(default=0)
    # Of the plain image: the simulator matcher's template, and checked on every read.
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    data = models.BinaryField(blank=True)
    missing_reason = models.CharField(max_length=20, blank=True)
    captured_by = models.CharField(max_length=150)
    captured_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "زیست‌سنجی پرونده"
        verbose_name_plural = "زیست‌سنجی‌های پرونده"
        constraints = [
            models.UniqueConstraint(
                fields=["case", "position"], name="citizenship_biometric_one_per_position"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=0, position__lte=10),
                name="citizenship_biometric_position",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.position}"


class DuplicateStatus(models.TextChoices):
    OPEN = "open", "در انتظار بررسی"
    LINKED = "linked", "همان شخص (پیوند داده شد)"
    CLEARED = "cleared", "شخص دیگری است (رفع احتمال)"


class PossibleDuplicate(models.Model):
    """The matcher found the case's biometrics in another open case or in an enrolment of the
    registry. Until a case officer of either case's county links it (the same person) or clears it
    (someone else), with written reasons, neither case goes to the council."""

    TRANSITIONS = {
        DuplicateStatus.LINKED: {DuplicateStatus.OPEN},
        DuplicateStatus.CLEARED: {DuplicateStatus.OPEN},
    }

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="possible_duplicates")
    other_case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="duplicated_by"
    )
    citizen = models.ForeignKey(
        "registry.Citizen", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    score = models.PositiveSmallIntegerField()  # 0–100, the matcher's
    positions = models.JSONField(default=list)  # the positions that matched
    status = models.CharField(
        max_length=8, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN
    )
    reason = models.TextField("دلایل", blank=True)
    found_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "احتمال تکرار"
        verbose_name_plural = "احتمال‌های تکرار"
        constraints = [
            models.CheckConstraint(
                condition=Q(other_case__isnull=False) | Q(citizen__isnull=False),
                name="citizenship_duplicate_names_someone",
            ),
            models.UniqueConstraint(
                fields=["case", "other_case"],
                condition=Q(other_case__isnull=False),
                name="citizenship_duplicate_case_once",
            ),
            models.UniqueConstraint(
                fields=["case", "citizen"],
                condition=Q(citizen__isnull=False),
                name="citizenship_duplicate_citizen_once",
            ),
        ]
        indexes = [models.Index(fields=["status", "found_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} ~ {self.other_case_id or self.citizen_id} {self.status}"
