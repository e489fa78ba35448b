from django.urls import path

from hoviat.citizenship import views

app_name = "citizenship"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("overdue/", views.overdue, name="overdue"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("my/", views.my_cases, name="my_cases"),
    path("my/<str:case_number>/", views.my_case, name="my_case"),
    path(
        "my/<str:case_number>/decision-letter.pdf",
        views.my_decision_letter,
        name="my_letter",
    ),
    path("<str:case_number>/", views.case_detail, name="case"),
    path("<str:case_number>/decision-letter.pdf", views.decision_letter, name="decision_letter"),
    path("<str:case_number>/vote/", views.vote, name="vote"),
    path("<str:case_number>/inquiries/<int:inquiry_id>/", views.inquiry_answer, name="inquiry"),
    path("<str:case_number>/documents/<int:document_id>/", views.document_file, name="document"),
]
