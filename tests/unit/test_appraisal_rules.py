"""The appraisal's rules (SPEC.md §10): the weighted score, the grades with ties and the 优秀 cap."""

from __future__ import annotations

from cobuild.models.appraisal import DEFAULT_GRADES, DEFAULT_WEIGHTS, grade_units, quantitative, weighted


def _rows(*scores):
    return [{"unit": name, "score": score, "quantitative": q} for name, score, q in scores]


def test_grades_follow_the_score_floors():
    graded = {r["unit"]: r["grade"] for r in grade_units(_rows(("甲", 95, 90), ("乙", 85, 80), ("丙", 60, 50), ("丁", 59.99, 70)),
                                                          [list(g) for g in DEFAULT_GRADES], None)}
    assert graded == {"甲": "优秀", "乙": "良好", "丙": "一般", "丁": "较差"}


def test_equal_scores_share_a_rank_unless_the_quantitative_part_differs():
    rows = grade_units(_rows(("甲", 88, 70), ("乙", 88, 70), ("丙", 88, 75), ("丁", 70, 60)), DEFAULT_GRADES, None)
    assert [(r["unit"], r["rank"]) for r in rows] == [("丙", 1), ("乙", 2), ("甲", 2), ("丁", 4)]


def test_the_cap_keeps_the_best_excellent_and_the_quantitative_part_breaks_a_tie_at_the_boundary():
    # ten units, a 20 % cap: two may be 优秀; three scored 优秀, two of them tied on score
    rows = _rows(("甲", 96, 80), ("乙", 92, 70), ("丙", 92, 85), *[(f"单位{n}", 70, 50) for n in range(7)])
    graded = {r["unit"]: r for r in grade_units(rows, DEFAULT_GRADES, 0.2)}
    assert [u for u, r in graded.items() if r["grade"] == "优秀"] == ["甲", "丙"]  # 丙 beats 乙 on the quantitative part
    assert graded["乙"]["grade"] == "良好" and graded["乙"].get("capped") is True
    # a cap below one unit still lets the best one be 优秀
    assert [r["grade"] for r in grade_units(_rows(("甲", 95, 1), ("乙", 94, 1)), DEFAULT_GRADES, 0.1)] == ["优秀", "良好"]


def test_a_missing_part_leaves_its_weight_to_the_others():
    assert weighted({"quantitative": 80, "street": 90, "community": 70, "residents": 100}, DEFAULT_WEIGHTS) == 82.0
    assert weighted({"quantitative": 80, "street": 90, "community": 70, "residents": None}, DEFAULT_WEIGHTS) == round(
        (50 * 80 + 20 * 90 + 20 * 70) / 90, 2)


def test_the_quantitative_part_shows_each_indicator():
    score, parts = quantitative({"on_time_rate": 0.75, "attendance_rate": 1.0, "orders_served": 3, "points": 40}, best_points=80)
    assert parts == {"on_time": 75.0, "attendance": 100.0, "service": 60.0, "points": 50.0}
    assert score == 0.4 * 75 + 0.2 * 100 + 0.2 * 60 + 0.2 * 50
