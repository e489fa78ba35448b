"""Citizenship demo: staff of Zahedan county (Sistan and Baluchestan, IR-13) and cases at every
stage, built through the app's own services (the same checks, audit rows and SMS as a real
case). Runs after the places demo (Zahedan and its prefixes 361, 362). Running it again
changes nothing.

| user (password as the other demo accounts) | post in Zahedan |
| --- | --- |
| hamid | case officer (کارشناس پرونده) |
| council1, council2, council3 | county security council members |
| police, security, forensic | the agencies' users |
| lawyer | registry lawyer (records court rulings) |
| soraya | (no post) the provincial director of Sistan and Baluchestan: overdue inquiries, figures |

| applicant mobile | stage |
| --- | --- |
| 09150000001 | intake, documents missing |
| 09150000002 | intake, police inquiry overdue |
| 09150000003 | awaiting the council's decision (one vote of two) |
| 09150000004 | more evidence asked |
| 09150000005 | refused, appeal open |
| 09150000006 | appealed |
| 09150000007 | issued: applicant, spouse and child registered (the applicant may pre-register) |
| 09150000008 | appealed, the court upheld the refusal |
| 09150000009 | intake, a forensic DNA test ordered and its sample taken |

Filing dates are spread over the last months (the figures' ages and the share decided within
90 days have something to show).
"""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from PIL import Image

from hoviat.citizenship import services
from hoviat.citizenship.models import Case, Function, Inquiry, Post
from hoviat.core.jalali import today_local
from hoviat.core.models import Role, User
from hoviat.places.models import County

# The same published password as the other demo accounts (offices/demo.py, a later app).
DEMO_PASSWORD = "hoviat-demo-1405"  # noqa: S105 (published demo accounts, never production)

STAFF = (
    ("hamid", "حمید", "ریگی", Function.CASE_OFFICER),
    ("council1", "عبدالرحمن", "شه‌بخش", Function.COUNCIL_MEMBER),
    ("council2", "مهدی", "نارویی", Function.COUNCIL_MEMBER),
    ("council3", "نسیم", "براهویی", Function.COUNCIL_MEMBER),
    ("police", "جواد", "سارانی", Function.POLICE),
    ("security", "کمال", "میرشکار", Function.SECURITY),
    ("forensic", "لیلا", "پودینه", Function.FORENSIC),
    ("lawyer", "سمیرا", "دهواری", Function.REGISTRY_LAWYER),
)
APPLICANTS = (
    ("عبدالغفور", "بامری", "محمد", "خدیجه"),
    ("دادکریم", "ملازهی", "عبدالله", "مریم"),
    ("گل‌محمد", "کرد", "نورمحمد", "آمنه"),
    ("شیرین", "گمشادزهی", "عیسی", "حلیمه"),
    ("عبدالواحد", "شهنوازی", "احمد", "زینب"),
    ("نورجان", "ریگی", "یار‌محمد", "فاطمه"),
    ("عبدالستار", "سرگزی", "غلام", "سکینه"),
    ("محمدعثمان", "براهویی", "عبدالرحیم", "بی‌بی‌گل"),
    ("زرینه", "نوری", "دین‌محمد", "خاتون"),
)
# Days ago each case was filed (by applicant index).
FILED_DAYS_AGO = (12, 48, 75, 130, 96, 160, 40, 210, 20)
REASONS = "مدارک پدر و پدربزرگ و پاسخ استعلام‌ها ادعای تابعیت را ثابت می‌کند."
REFUSAL = "استعلام‌ها و مدارک ادعای تابعیت ایرانی را ثابت نمی‌کند."


def _scan() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 1100), (240, 240, 230)).save(out, "PNG")
    return out.getvalue()


def _director(county: County) -> None:
    if not User.objects.filter(username="soraya").exists():
        User.objects.create_user(
            username="soraya",
            password=DEMO_PASSWORD,
            first_name="ثریا",
            last_name="بلوچ‌زهی",
            role=Role.PROVINCIAL_DIRECTOR,
            province=county.province,
        )


def _staff(county: County) -> dict[str, User]:
    users = {}
    for username, first, last, function in STAFF:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                role="",
            )
        Post.objects.get_or_create(user=user, county=county, function=function)
        users[username] = user
    return users


def _file(county: County, officer: User, index: int, family: bool = False) -> Case:
    first, last, father, mother = APPLICANTS[index]
    members = (
        [
            services.FamilyIn("spouse", "ماه‌بی‌بی", "ریگی", "دوست‌محمد", "گل‌بی‌بی", "female",
                              dt.date(1994, 4, 2)),
            services.FamilyIn("child", "عمر", last, first, "ماه‌بی‌بی", "male",
                              dt.date(2008, 9, 20)),
        ]
        if family
        else []
    )  # fmt: skip
    return services.case_file(
        intake=services.CaseIntake(
            first_name=first,
            last_name=last,
            father_name=father,
            mother_name=mother,
            gender="female" if index in (3, 5, 8) else "male",
            birth_year=1985 + index,
            birth_place="روستاهای اطراف زاهدان",
            birth_county_id=county.pk,
            residence_county_id=county.pk,
            basis="parents",
            mobile=f"0915000000{index + 1}",
            family=members,
        ),
        actor=officer,
        filed_by=officer,
        online=False,
    )


def _ready(case: Case, users: dict[str, User]) -> None:
    for kind in ("father_documents", "grandfather_documents"):
        services.document_add(
            case=case, kind=kind, data=_scan(), witnesses=[], actor=users["hamid"], uploader="hamid"
        )
    for agency in ("police", "security"):
        inquiry = services.inquiry_order(case=case, agency=agency, officer=users["hamid"])
        services.inquiry_answer(
            inquiry_id=inquiry.pk, user=users[agency], outcome="confirmed", note="تأیید شد."
        )
    services.case_submit(case_number=case.case_number, officer=users["hamid"])


def build(*, citizens: int, seed: int) -> str:
    county = County.objects.filter(province__code="IR-13", name_en="Zahedan").first()
    if county is None:
        return "skipped (no Zahedan county: run the places demo first)"
    users = _staff(county)
    _director(county)
    if Case.objects.filter(mobile__startswith="0915000000").exists():
        return f"{len(STAFF)} staff in Zahedan; cases already there"
    officer = users["hamid"]
    _file(county, officer, 0)  # intake, documents missing
    overdue = _file(county, officer, 1)
    inquiry = services.inquiry_order(case=overdue, agency="police", officer=officer)
    Inquiry.objects.filter(pk=inquiry.pk).update(due_on=today_local() - dt.timedelta(days=3))
    dna = _file(county, officer, 8)
    inquiry = services.inquiry_order(case=dna, agency="forensic", officer=officer)
    services.inquiry_sample_taken(inquiry_id=inquiry.pk, user=users["forensic"])
    for index in (2, 3, 4, 5, 6, 7):
        case = _file(county, officer, index, family=index == 6)
        _ready(case, users)
        number = case.case_number
        if index == 2:
            services.case_vote(case_number=number, member=users["council1"], outcome="approve",
                               reasons=REASONS)  # fmt: skip
        elif index == 3:
            for member in ("council1", "council2"):
                services.case_vote(case_number=number, member=users[member],
                                   outcome="more_evidence",
                                   reasons="حکم دادگاه در اثبات نسب لازم است.")  # fmt: skip
        elif index in (4, 5, 7):
            for member in ("council1", "council2"):
                services.case_vote(case_number=number, member=users[member], outcome="refuse",
                                   reasons=REFUSAL)  # fmt: skip
            if index in (5, 7):
                services.case_appeal(
                    case_number=number,
                    grounds="پدرم شناسنامه دارد و آزمایش DNA نسب را ثابت می‌کند.",
                    actor=officer,
                )
            if index == 7:
                services.case_court_ruling(
                    case_number=number,
                    lawyer=users["lawyer"],
                    outcome="upheld",
                    ruling_number="۱۴۰۵۰۹۹۷۱۲۳۰۰۴۵",
                    ruling_date=today_local() - dt.timedelta(days=2),
                )
        else:
            for member in ("council1", "council2"):
                services.case_vote(case_number=number, member=users[member], outcome="approve",
                                   reasons=REASONS)  # fmt: skip
    _spread_over_months()
    return f"{len(STAFF)} staff in Zahedan, {Case.objects.count()} cases at every stage"


def _spread_over_months() -> None:
    """Date the demo cases back as if filed over the last months (their rows only: the audit
    log keeps the true times); a decision keeps its distance from the filing, up to 60 days,
    except a refusal still open to appeal (its window runs from the decision)."""
    now = timezone.now()
    for case in Case.objects.filter(mobile__startswith="0915000000"):
        filed = now - dt.timedelta(days=FILED_DAYS_AGO[int(case.mobile[-1]) - 1])
        updates: dict = {"created_at": filed}
        if case.decided_at is not None and case.status != "refused":
            updates["decided_at"] = filed + dt.timedelta(days=min(60, (now - filed).days // 2))
        Case.objects.filter(pk=case.pk).update(**updates)
