"""The stable codes of the inquiry API: reasons in answers, problem codes, purposes, scopes.

One table, read by the API answers, the pages, the OpenAPI document and docs/inquiry.md.
A code, once published, keeps its meaning; new codes may be added, none renamed.
"""

from __future__ import annotations

from dataclasses import dataclass

from hoviat.core.errors import ServiceUnavailable


@dataclass(frozen=True)
class Reason:
    code: str
    fa: str
    en: str
    endpoints: tuple[str, ...]  # which answers may carry it


CARD, RECEIPT, PAPER, AUTH, IDENTITY = "card", "receipt", "paper_card", "card_auth", "identity"

# --- Reasons carried in answers (reason_code) ------------------------------------------------

REASONS: dict[str, Reason] = {
    r.code: r
    for r in (
        Reason("OK", "معتبر است.", "Valid.", (CARD, RECEIPT, PAPER, AUTH)),
        Reason(
            "NOT_FOUND",
            "با این مشخصات موردی یافت نشد (یا با کد ملی نمی‌خواند).",
            "Nothing matches these details (or it does not belong to this national code).",
            (CARD, RECEIPT, PAPER),
        ),
        Reason(
            "CARD_NOT_ACTIVE",
            "کارت هنوز به دارنده تحویل و فعال نشده است.",
            "The card has not been handed over and activated yet.",
            (CARD, AUTH),
        ),
        Reason(
            "CARD_SUSPENDED",
            "کارت معلق است (مثلاً مفقودی آن اعلام شده است).",
            "The card is suspended (e.g. reported lost).",
            (CARD, AUTH),
        ),
        Reason(
            "CARD_REVOKED",
            "کارت باطل شده است (مثلاً کارت تازه‌ای جای آن را گرفته است).",
            "The card is revoked (e.g. a newer card replaced it).",
            (CARD, AUTH),
        ),
        Reason(
            "CARD_EXPIRED",
            "اعتبار کارت، با احتساب تمدیدهای مصوب، به پایان رسیده است.",
            "The card has expired, counting every validity extension in force.",
            (CARD, AUTH),
        ),
        Reason(
            "CARD_VOIDED",
            "کارت در مهلت مقرر تحویل گرفته نشد و باطل شده است.",
            "The card was not collected in time and was voided.",
            (CARD, AUTH),
        ),
        Reason(
            "RECEIPT_NOT_ISSUED",
            "برای این درخواست هنوز ثبت‌نام حضوری و رسیدی انجام نشده است.",
            "No in-person enrolment, hence no receipt, for this application yet.",
            (RECEIPT,),
        ),
        Reason(
            "RECEIPT_SUPERSEDED",
            "این رسید با رسید تازه‌تری جایگزین شده است.",
            "This receipt was reissued; only the newest receipt stands in for the card.",
            (RECEIPT,),
        ),
        Reason(
            "RECEIPT_EXPIRED",
            "مهلت اعتبار رسید گذشته است.",
            "The receipt is past its valid-until date.",
            (RECEIPT,),
        ),
        Reason(
            "APPLICATION_DELIVERED",
            "کارت به دارنده تحویل شده است؛ رسید دیگر جای کارت را نمی‌گیرد.",
            "The card was handed over; the receipt no longer stands in for it.",
            (RECEIPT,),
        ),
        Reason(
            "APPLICATION_CLOSED",
            "درخواست لغو، رد یا باطل شده است.",
            "The application was cancelled, rejected, expired or voided.",
            (RECEIPT,),
        ),
        Reason(
            "PAPER_CARD_INVALIDATED",
            "کارت ملی قدیمی با صدور کارت هوشمند باطل شده است.",
            "The old paper card was invalidated when its holder received a smart card.",
            (PAPER,),
        ),
        Reason(
            "PAPER_CARD_CUTOFF_PASSED",
            "مهلت پذیرش کارت‌های ملی قدیمی طبق مصوبه به پایان رسیده است.",
            "Old paper cards are no longer accepted: the cut-off date has passed.",
            (PAPER,),
        ),
        Reason(
            "CERT_UNTRUSTED",
            "گواهی را مرجع صدور کارت ملی صادر نکرده است.",
            "The certificate was not issued by a national card-issuing CA.",
            (AUTH,),
        ),
        Reason(
            "CERT_EXPIRED",
            "گواهی احراز هویت منقضی شده یا هنوز معتبر نشده است.",
            "The authentication certificate is outside its validity period.",
            (AUTH,),
        ),
        Reason(
            "CERT_REVOKED",
            "گواهی احراز هویت کارت باطل شده است.",
            "The card's authentication certificate is revoked.",
            (AUTH,),
        ),
        Reason(
            "CERT_NOT_FOR_AUTH",
            "این گواهی برای احراز هویت نیست (مثلاً گواهی امضای کارت است).",
            "Not an authentication certificate (e.g. the card's signing certificate).",
            (AUTH,),
        ),
        Reason(
            "SIGNATURE_INVALID",
            "امضای چالش با کلید این گواهی نمی‌خواند.",
            "The challenge signature does not verify with the certificate's key.",
            (AUTH,),
        ),
        Reason(
            "LOCKED_BY_HOLDER",
            "دارنده کارت استفادهٔ از راه دور از کارت و رسید خود را قفل کرده است؛ از او بخواهید "
            "قفل را در سامانهٔ هویت (بخش «من») باز کند یا به‌طور حضوری احراز هویت کنید.",
            "The holder has locked remote use of their card and receipt (all inquiries or this "
            "kind); the answer says nothing about the card. Ask the holder to unlock it in "
            "Hoviat's self-service (for good or for a few minutes), or identify them in person.",
            (CARD, RECEIPT, PAPER, AUTH, IDENTITY),
        ),
    )
}

# --- Problem codes (problem+json `code`) of the inquiry API ------------------------------------

PROBLEMS: dict[str, tuple[int, str, str]] = {
    "API_KEY_MISSING": (401, "کلید API (سرآیند X-API-Key) فرستاده نشده است.", "No X-API-Key."),
    "API_KEY_INVALID": (401, "کلید API معتبر نیست.", "The API key is not known."),
    "API_KEY_REVOKED": (401, "این کلید API باطل شده است.", "The API key was revoked."),
    "API_KEY_EXPIRED": (
        401,
        "مهلت این کلید API (پس از چرخش کلید) به پایان رسیده است.",
        "The API key expired (its rotation overlap ended).",
    ),
    "PARTNER_SUSPENDED": (
        403,
        "دسترسی این سازمان به استعلام متوقف شده است.",
        "The relying party is suspended.",
    ),
    "NETWORK_NOT_ALLOWED": (
        403,
        "درخواست از نشانی شبکه‌ای مجاز این سازمان نیامده است.",
        "The request did not come from one of the partner's allowed networks.",
    ),
    "SCOPE_NOT_GRANTED": (
        403,
        "این نوع استعلام برای سازمان شما مجاز نشده است.",
        "The partner was not granted the scope this endpoint needs.",
    ),
    "RATE_LIMITED": (
        429,
        "تعداد درخواست‌ها در دقیقه بیش از حد مجاز است.",
        "Per-minute rate limit of the key reached; see Retry-After.",
    ),
    "QUOTA_EXCEEDED": (
        429,
        "سهمیه روزانه استعلام این کلید تمام شده است.",
        "Daily quota of the key used up; see Retry-After (next midnight, Tehran).",
    ),
    "IDENTITY_THROTTLED": (
        429,
        "دربارهٔ این کد ملی بیش از حد استعلام شده است؛ بعداً تلاش کنید.",
        "Too many identity questions about this national code (all partners together).",
    ),
    "PURPOSE_UNKNOWN": (422, "کد هدف استعلام شناخته نیست.", "Unknown purpose code."),
    "NATIONAL_CODE_CHECKSUM": (
        422,
        "کد ملی معتبر نیست.",
        "Malformed national code (also NATIONAL_CODE_LENGTH, _FORMAT, _REPEATED, _MISSING).",
    ),
    "VALIDATION_FAILED": (422, "اطلاعات ارسال‌شده کامل یا معتبر نیست.", "Malformed request."),
    "CHALLENGE_UNKNOWN": (
        404,
        "این چالش را سامانه برای شما صادر نکرده است.",
        "No such challenge was issued to this partner.",
    ),
    "CHALLENGE_EXPIRED": (410, "مهلت چالش گذشته است.", "The challenge expired; ask a new one."),
    "CHALLENGE_REPLAYED": (
        409,
        "این چالش پیش‌تر به کار رفته است.",
        "The challenge was already used (each is good for one verify).",
    ),
    "CERT_MALFORMED": (422, "گواهی PEM خوانا نیست.", "certificate_pem is not a PEM certificate."),
    "SIGNATURE_MALFORMED": (
        422,
        "امضا باید به کدگذاری بیس‌۶۴ باشد.",
        "signature is not base64 of a DER or r‖s ECDSA signature.",
    ),
    "AUTH_FAILED": (
        403,
        "احراز هویت با کارت ناموفق بود؛ reason_code علت را می‌گوید.",
        "Card authentication failed; reason_code says why (CERT_*, CARD_*, SIGNATURE_INVALID).",
    ),
    # Raised for the whole API (hoviat/api.py, core/error_pages.py), listed here for partners.
    ServiceUnavailable.code: (
        ServiceUnavailable.status,
        ServiceUnavailable.default_detail,
        "The database cannot be reached, or no connection was free in time; ask again after "
        "Retry-After (seconds).",
    ),
}

# --- Purposes --------------------------------------------------------------------------------

PURPOSES: dict[str, tuple[str, str]] = {
    "BANK_ACCOUNT_OPENING": ("افتتاح حساب بانکی", "Opening a bank account"),
    "BANK_TRANSACTION": ("تراکنش بانکی", "A bank transaction needing identification"),
    "LOAN": ("وام و تسهیلات", "Loan or credit"),
    "SIM_CARD": ("واگذاری سیم‌کارت", "SIM card registration"),
    "INSURANCE": ("بیمه و درمان", "Insurance or health service"),
    "GOVERNMENT_SERVICE": ("خدمت دولتی", "A government service"),
    "NOTARY": ("دفترخانه اسناد رسمی", "Notary public"),
    "OTHER": ("سایر", "Other (agreed with the registry)"),
}

# --- Results (the inquiry log's `result`) -------------------------------------------------

RESULTS: dict[str, str] = {
    "valid": "معتبر",
    "invalid": "نامعتبر",
    "match": "مطابق",
    "no_match": "نامطابق",
    "authenticated": "احراز شد",
    "refused": "رد شد",
}

# --- Scopes and attributes -------------------------------------------------------------------

SCOPES: dict[str, str] = {
    CARD: "استعلام کارت هوشمند",
    RECEIPT: "استعلام رسید ثبت‌نام",
    IDENTITY: "تطبیق هویت (بله/خیر)",
    PAPER: "استعلام کارت ملی قدیمی",
    AUTH: "احراز هویت با کارت (چالش و پاسخ)",
}

# Which answer fields an attribute unlocks; without it the field is null.
ATTRIBUTES: dict[str, str] = {
    "card_status": "وضعیت کارت",
    "expires_on": "پایان اعتبار کارت",
    "application_status": "وضعیت درخواست",
    "receipt_valid_until": "پایان اعتبار رسید",
    "accepted_until": "پایان پذیرش کارت قدیمی",
    "national_code": "کد ملی دارنده گواهی (در احراز هویت)",
}


def reason_fa(code: str | None) -> str:
    reason = REASONS.get(code or "")
    return reason.fa if reason else ""


def reason_table_markdown() -> str:
    """The reason table as Markdown, as printed in docs/inquiry.md."""
    lines = ["| code | endpoints | فارسی | meaning |", "| --- | --- | --- | --- |"]
    for reason in REASONS.values():
        lines.append(
            f"| `{reason.code}` | {', '.join(reason.endpoints)} | {reason.fa} | {reason.en} |"
        )
    return "\n".join(lines)


def problem_table_markdown() -> str:
    lines = ["| code | HTTP | فارسی | meaning |", "| --- | --- | --- | --- |"]
    for code, (status, fa, en) in PROBLEMS.items():
        lines.append(f"| `{code}` | {status} | {fa} | {en} |")
    return "\n".join(lines)
