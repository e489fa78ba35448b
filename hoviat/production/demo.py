"""Demo data for production: one delivery of card bodies, so a run has stock to use."""

from hoviat.production.models import CardBodyLedger
from hoviat.production.services import stock_deliver


def build(*, citizens: int, seed: int) -> str:
    if CardBodyLedger.objects.filter(lot="DEMO-1405-01").exists():
        return "card bodies: demo lot already delivered"
    stock_deliver(quantity=5000, lot="DEMO-1405-01", actor=None)
    return "card bodies: 5000 delivered (lot DEMO-1405-01)"
