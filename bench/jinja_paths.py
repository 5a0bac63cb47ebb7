"""Does rendering's Jinja fast path (notifications/rendering.py: `_Template`, `_Lookups`,
`_render_part`) still earn its keep? Renders the packaged samples of every kind, in both
languages, through cobuild's environment and through a plain Jinja environment with the same
options, in interleaved rounds; prints one JSON line with the medians per message.

    python -m bench.jinja_paths [MESSAGES_PER_ROUND] [ROUNDS]
"""

from __future__ import annotations

import json
import statistics
import sys
import time


def main() -> None:
    from jinja2 import Environment

    from cobuild.notifications import rendering
    from cobuild.notifications.samples import sample

    per_round = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    plain = Environment(**rendering._options())
    jobs = [(kind, lang, sample(kind)) for kind in rendering.KINDS for lang in rendering.LANGUAGES]
    ours = {(kind, lang): rendering._packaged_parts(kind, lang) for kind, lang, _ in jobs}
    theirs = {(kind, lang): tuple(plain.get_template(f"{lang}/{kind}.{suffix}") for suffix in rendering.PARTS.values())
              for kind, lang, _ in jobs}
    work = [jobs[n % len(jobs)] for n in range(per_round)]

    def with_ours() -> float:
        start = time.perf_counter()
        for kind, lang, context in work:
            for template in ours[(kind, lang)]:
                rendering._render_part(template, context)
        return time.perf_counter() - start

    def with_plain() -> float:
        start = time.perf_counter()
        for kind, lang, context in work:
            for template in theirs[(kind, lang)]:
                template.render(**context)
        return time.perf_counter() - start

    fast, slow = [], []
    for _ in range(rounds):  # interleaved, so that the machine's drift falls on both
        fast.append(with_ours())
        slow.append(with_plain())
    fast_us, slow_us = (1e6 * statistics.median(runs) / per_round for runs in (fast, slow))
    print(json.dumps({"messages": per_round, "rounds": rounds, "ours_us": round(fast_us, 2),
                      "plain_us": round(slow_us, 2), "saved_share": round(1 - fast_us / slow_us, 3)}))


if __name__ == "__main__":
    main()
