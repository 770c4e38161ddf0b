"""Chinese personal names, drawn vectorised. Surnames follow rough frequencies in north-east Yunnan
(assumed); Hui households lean to 马/纳/丁/沙. Given names are one or two characters by sex."""

from __future__ import annotations

import numpy as np
import polars as pl

from shouwang.simulator.rng import choice_index

SURNAMES = (
    "张",
    "李",
    "王",
    "刘",
    "陈",
    "杨",
    "朱",
    "罗",
    "何",
    "邓",
    "赵",
    "徐",
    "孙",
    "胡",
    "周",
    "吴",
    "黄",
    "马",
    "高",
    "郭",
    "林",
    "蒋",
    "谢",
    "唐",
    "许",
    "韩",
    "冯",
    "曹",
    "彭",
    "曾",
    "肖",
    "田",
    "董",
    "潘",
    "袁",
    "蔡",
    "余",
    "叶",
    "杜",
    "丁",
    "魏",
    "吕",
    "苏",
    "卢",
    "邹",
    "钱",
    "施",
    "毛",
    "纳",
    "沙",
    "保",
    "浦",
    "普",
    "禄",
    "龙",
    "熊",
    "雷",
    "汤",
    "尹",
    "金",
    "付",
    "代",
    "包",
    "夏",
)
# Weights: the first names are much more common.
SURNAME_WEIGHTS = tuple(max(1.0, 12.0 - i * 0.25) for i in range(len(SURNAMES)))
HUI_SURNAMES = ("马", "纳", "丁", "沙", "保", "金")
MALE_CHARS = (
    "德",
    "国",
    "明",
    "华",
    "文",
    "建",
    "平",
    "志",
    "学",
    "光",
    "永",
    "春",
    "成",
    "云",
    "海",
    "强",
    "伟",
    "军",
    "福",
    "富",
    "贵",
    "兴",
    "林",
    "杰",
    "涛",
    "浩",
    "宇",
    "俊",
    "磊",
    "鹏",
    "发",
    "荣",
    "祥",
    "昌",
    "忠",
    "勇",
    "刚",
    "斌",
    "辉",
    "超",
    "鑫",
    "龙",
    "飞",
    "波",
    "红",
    "东",
    "家",
)
FEMALE_CHARS = (
    "秀",
    "英",
    "兰",
    "芳",
    "丽",
    "美",
    "琼",
    "梅",
    "艳",
    "玲",
    "红",
    "珍",
    "凤",
    "萍",
    "娟",
    "婷",
    "敏",
    "静",
    "燕",
    "霞",
    "慧",
    "雪",
    "佳",
    "欣",
    "怡",
    "莲",
    "菊",
    "花",
    "琴",
    "翠",
    "春",
    "香",
    "金",
    "银",
    "丹",
    "娇",
    "倩",
    "露",
    "云",
    "芬",
)


def surname_codes(rng: np.random.Generator, n: int, hui: np.ndarray | None = None) -> np.ndarray:
    codes = choice_index(rng, SURNAME_WEIGHTS, n).astype(np.int16)
    if hui is not None and hui.any():
        hui_codes = np.array([SURNAMES.index(s) for s in HUI_SURNAMES], dtype=np.int16)
        codes[hui] = hui_codes[rng.integers(0, len(hui_codes), int(hui.sum()))]
    return codes


def given_names(rng: np.random.Generator, male: np.ndarray) -> pl.Series:
    n = len(male)
    two = rng.random(n) < 0.75
    m1 = rng.integers(0, len(MALE_CHARS), n)
    m2 = rng.integers(0, len(MALE_CHARS), n)
    f1 = rng.integers(0, len(FEMALE_CHARS), n)
    f2 = rng.integers(0, len(FEMALE_CHARS), n)
    male_s = pl.Series(MALE_CHARS)
    female_s = pl.Series(FEMALE_CHARS)
    first = pl.select(
        pl.when(pl.lit(pl.Series(male)))
        .then(pl.lit(male_s.gather(m1)))
        .otherwise(pl.lit(female_s.gather(f1)))
    ).to_series()
    second = pl.select(
        pl.when(~pl.lit(pl.Series(two)))
        .then(pl.lit(""))
        .when(pl.lit(pl.Series(male)))
        .then(pl.lit(male_s.gather(m2)))
        .otherwise(pl.lit(female_s.gather(f2)))
    ).to_series()
    return pl.select(pl.concat_str([pl.lit(first), pl.lit(second)])).to_series()


def full_names(surnames: np.ndarray, given: pl.Series) -> pl.Series:
    sur = pl.Series(SURNAMES).gather(np.asarray(surnames, dtype=np.int64))
    return pl.select(pl.concat_str([pl.lit(sur), pl.lit(given)]).alias("name")).to_series()
