"""Named hooks: the one way a later stage extends an earlier one."""

import pytest

from hoviat.applications import hooks as application_hooks
from hoviat.core.hooks import Hook, hooks_described


def test_implementations_answer_in_registration_order_and_a_key_registers_once():
    hook = Hook("test.order", "a hook of this test")
    hook.register(lambda *, n: n + 1, key="first")
    hook.register(lambda *, n: n * 10, key="second")
    hook.register(lambda *, n: n - 1, key="first")  # the same key again replaces, not adds

    assert hook.call(n=2) == [1, 20]
    assert hook.by_key(n=2) == {"first": 1, "second": 20}


def test_first_is_the_first_answer_that_is_not_none():
    hook = Hook("test.first", "a hook of this test")
    hook.register(lambda *, x: None, key="silent")
    hook.register(lambda *, x: f"answer {x}", key="knows")
    hook.register(lambda *, x: "too late", key="later")

    assert hook.first(x=1) == "answer 1"
    assert Hook("test.empty", "nobody registered").first(x=1) is None


def test_a_hook_name_is_declared_once():
    Hook("test.once", "a hook of this test")
    with pytest.raises(ValueError, match=r"test\.once"):
        Hook("test.once", "the same name again")


def test_the_later_stages_register_from_their_app_configs():
    described = {name: keys for name, _, keys in hooks_described()}

    assert described["application_paid"] == ["delivery.release_prepared"]
    assert described["expected_ready"] == ["production.queue"]
    assert described["tracking_extras"] == ["card_waiting", "promise"]
    assert described["application_status_changed"] == ["planning.promise"]
    assert described["appointment_moved"] == ["planning.promise_renew"]
    assert described["application_closing"] == ["booking.seat_give_back"]
    assert application_hooks.tracking_extras.implementations()["card_waiting"].__module__ == (
        "hoviat.delivery.selectors.office"
    )
