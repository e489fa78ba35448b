from ninja import Router

router = Router(tags=["selfservice"])

# Who asked about me, and lock my card (hoviat/selfservice/api_history.py).
from hoviat.selfservice.api_history import router as history_router  # noqa: E402

router.add_router("", history_router)
