from django.urls import path

from hoviat.production import views

app_name = "production"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("capacity/", views.capacity, name="capacity"),
    path("stock/", views.stock, name="stock"),
    path("stock/orders/", views.order_place, name="order_place"),
    path("stock/orders/<int:order_id>/arrive/", views.order_arrive, name="order_arrive"),
    path("stock/orders/<int:order_id>/cancel/", views.order_cancel, name="order_cancel"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:run_id>/progress.json", views.run_progress, name="run_progress"),
    path("shipments/", views.shipments, name="shipments"),
    path("shipments/pack/", views.pack, name="pack"),
    path("shipments/<int:shipment_id>/dispatch/", views.dispatch, name="dispatch"),
    path("shipments/<int:shipment_id>/manifest.csv", views.manifest_csv, name="manifest_csv"),
    path("shipments/<int:shipment_id>/manifest.pdf", views.manifest_pdf, name="manifest_pdf"),
]
