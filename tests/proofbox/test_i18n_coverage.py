"""Every text a prediction, a re-open check and the buyer's side carry reads in Chinese, over varied
synthetic cases: the packs' texts come from the catalog and the sentences the engine composes from
values match a template of proofbox.i18n.composed. A sentence changed in disputes/ without its
template fails here (update the template and its translation, then `make i18n`)."""

from __future__ import annotations

import re

import disputes
from disputes.synthetic import generate_cases
from proofbox.i18n.results import localize, localize_buyer, localize_eligibility
from proofbox.v1 import records_pb2
from server.convert import buyer_application_to_proto, eligibility_to_proto, prediction_to_proto

HAN = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"\b[a-z]{3,} [a-z]{3,} [a-z]{3,}\b")
CJK = "\u3400-\u9fff\u3000-\u303f\uff01-\uff5e"
SPACE_BETWEEN_CJK = re.compile(f"[{CJK}] +[{CJK}]")  # "15.0 秒 处": a typo in Chinese


def test_predictions_and_reopen_answers_read_in_chinese() -> None:
    untranslated: dict[str, int] = {}
    count = 0
    for case in generate_cases(120, seed=13):
        result = records_pb2.Result()
        result.prediction.CopyFrom(prediction_to_proto(disputes.predict(case)))
        localize(result, "zh-CN")
        p = result.prediction
        texts = [*p.review_reasons, *(h.description for h in p.hits), *(d.consequence for d in p.deadlines)]
        texts += [*(a.text for a in p.actions), p.freight.note, *(c.note for c in p.compensation)]
        eligibility = eligibility_to_proto(disputes.reopen_eligibility(case.order, case.platform.value, None))
        localize_eligibility(eligibility, "zh-CN")
        texts += [
            *eligibility.messages,
            *eligibility.notes,
            *eligibility.funding,
            *(d.description for d in eligibility.denials),
        ]
        texts += [eligibility.entry_open_note, eligibility.applications_note]
        buyer = buyer_application_to_proto(disputes.buyer_application(case.order, case.platform.value))
        localize_buyer(buyer, "zh-CN")
        texts += [*buyer.reasons, *buyer.notes, buyer.applications_note]
        for text in filter(None, texts):
            count += 1
            if not HAN.search(text) or ENGLISH.search(text) or SPACE_BETWEEN_CJK.search(text):
                untranslated[text] = untranslated.get(text, 0) + 1
    assert count > 1000
    assert not untranslated, sorted(untranslated.items(), key=lambda kv: -kv[1])[:10]
