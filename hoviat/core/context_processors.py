from hoviat.core.jalali import today_local


def today(request):
    return {"today": today_local()}
