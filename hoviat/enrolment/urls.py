from django.urls import path

from hoviat.enrolment import views

app_name = "office"

urlpatterns = [
    path("", views.home, name="home"),
    path("check-in/", views.check_in, name="check_in"),
    path("counter/applications/", views.counter_open, name="counter_open"),
    path("enrolments/<int:enrolment_id>/", views.enrolment_page, name="enrolment"),
    path("enrolments/<int:enrolment_id>/documents/", views.documents, name="documents"),
    path("enrolments/<int:enrolment_id>/face/", views.face, name="face"),
    path("enrolments/<int:enrolment_id>/fingers/<int:position>/", views.finger, name="finger"),
    path("enrolments/<int:enrolment_id>/fingers/", views.capture_all, name="capture_all"),
    path("enrolments/<int:enrolment_id>/complete/", views.complete, name="complete"),
    path("enrolments/<int:enrolment_id>/abandon/", views.abandon, name="abandon"),
    path("enrolments/<int:enrolment_id>/receipt/", views.receipt_page, name="receipt"),
    path("enrolments/<int:enrolment_id>/receipt/reissue/", views.reissue, name="reissue"),
    path("receipts/<str:receipt_number>.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("biometrics/<int:biometric_id>/", views.biometric_image, name="biometric"),
]
