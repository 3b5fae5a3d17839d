"""Case JSON in the platforms' words: ticket statuses, types, reasons and platforms given in Chinese
(as ticketing systems hold them, seed 003's 「平台介入中」) are read as the enum values."""

from __future__ import annotations

import pytest

from proofbox.i18n.aliases import ALIASES
from proofbox.jsonform import JsonFormError, enum_prefix, parse, to_dict
from proofbox.v1 import cases_pb2
from tests.server.helpers import case_dict


def test_every_alias_names_a_value_of_its_enum() -> None:
    pool = cases_pb2.DESCRIPTOR.enum_types_by_name
    for full_name, words in ALIASES.items():
        enum = pool[full_name.rsplit(".", 1)[1]]
        for word, short in words.items():
            assert enum_prefix(enum) + short in enum.values_by_name, (full_name, word)


def test_a_case_in_the_platforms_words() -> None:
    data = case_dict("zh-1")
    data["platform"] = "天猫"
    data["claim"] = {**data["claim"], "kind": "退货退款", "reason": "七天无理由"}
    data["ticket"] = {"type": "退货退款", "status": "平台介入中"}
    data["merchant"] = {"refusal_reason": "退回商品破损"}
    message = parse(data, cases_pb2.DisputeCase())
    canonical = to_dict(message)
    assert canonical["platform"] == "PLATFORM_TMALL"
    assert canonical["claim"]["kind"] == "CLAIM_KIND_RETURN_AND_REFUND"
    assert canonical["claim"]["reason"] == "CLAIM_REASON_NO_REASON_7_DAY"
    assert canonical["ticket"] == {
        "type": "TICKET_TYPE_RETURN_REFUND",
        "status": "TICKET_STATUS_PLATFORM_INTERVENTION",
    }
    assert canonical["merchant"]["refusal_reason"] == "REFUSAL_REASON_RETURNED_DAMAGED"
    # Traditional characters, as the seeds write them, when OpenCC is installed (the server extra)
    data["ticket"] = {"type": "退貨退款", "status": "平臺介入中"}
    assert (
        to_dict(parse(data, cases_pb2.DisputeCase()))["ticket"]["status"]
        == "TICKET_STATUS_PLATFORM_INTERVENTION"
    )


def test_an_unknown_word_names_the_choices() -> None:
    data = case_dict("zh-2")
    data["ticket"] = {"type": "退货退款", "status": "外星人介入中"}
    with pytest.raises(JsonFormError, match="平台介入中") as info:
        parse(data, cases_pb2.DisputeCase())
    assert info.value.field == "ticket.status"
