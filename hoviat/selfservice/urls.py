app_name = "selfservice"

urlpatterns: list = []
