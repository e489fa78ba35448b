app_name = "inquiry"

urlpatterns: list = []
