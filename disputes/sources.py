"""The platform rule documents policy entries may cite, by stable id.

Every entry's ``source.doc`` must be one of these ids; the tests check that every quoted passage
appears verbatim in the document (``../shared/seeds``), so a citation cannot drift from its text.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SEEDS", "Seed"]


@dataclass(frozen=True)
class Seed:
    """One source document."""

    id: str  #: stable citation id, e.g. "seed:001"
    file: str  #: file name under shared/seeds
    platforms: tuple[str, ...]  #: platforms the document speaks about
    title: str  #: what the document is


SEEDS: dict[str, Seed] = {
    s.id: s
    for s in (
        Seed(
            "seed:000", "000_aa390f117dda54dc.txt", ("tmall",), "天猫:商家自主打开售后入口的条件、限制与提示"
        ),
        Seed(
            "seed:001",
            "001_026778f32728c716.txt",
            ("tmall", "taobao"),
            "淘宝教育/淘天集团《金牌售后服务指南》:场景处理、拆包视频认定原则、申诉失败原因",
        ),
        Seed(
            "seed:002",
            "002_4d944ba41a3c78c9.txt",
            ("tmall", "taobao"),
            "天猫售后问答:介入时效、发货时效、运费、规则类投诉扣分、延迟发货赔付、春节超时规定",
        ),
        Seed(
            "seed:003",
            "003_899dd24fd5b24964.txt",
            ("taobao", "tmall"),
            "淘宝售后服务:消费者保障服务(时间承诺等)、售后工单类型与平台介入中状态",
        ),
        Seed("seed:004", "004_2a4a03433056eb90.txt", ("douyin",), "抖音:商家超售后期打开售后入口的规则"),
    )
}
