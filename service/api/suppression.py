"""Primary and secondary suppression of small counts in a cross-table and all its margins.

A table has one entry per combination of categories of its dimensions (a cell)
and one per margin: an entry whose key contains ``None`` for each dimension summed
over. Every margin and one of its ``None`` dimensions define a line: the margin
equals the sum of the entries that give that dimension each of its categories.

Primary suppression withholds every entry under the threshold. Secondary
suppression then makes sure that no line has exactly one withheld entry, since
that entry would equal the line's published total minus its published members.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

Key = tuple[str | None, ...]

THRESHOLD = 11


def all_entries(categories: Sequence[Sequence[str]], cells: Mapping[tuple[str, ...], int]) -> dict[Key, int]:
    """Return every cell (absent ones count 0) and every margin of the table, with their sums."""
    entries: dict[Key, int] = {}
    for key in itertools.product(*categories):
        entries[key] = int(cells.get(key, 0))
    dimensions = len(categories)
    for summed in itertools.product((False, True), repeat=dimensions):
        if not any(summed):
            continue
        for key in itertools.product(*[[None] if summed[index] else list(values) for index, values in enumerate(categories)]):
            entries[key] = 0
    for key, value in list(entries.items()):
        if None in key or value == 0:
            continue
        # Add the cell to each margin that contains it.
        for summed in itertools.product((False, True), repeat=dimensions):
            if any(summed):
                entries[tuple(None if summed[index] else key[index] for index in range(dimensions))] += value
    return entries


def lines(categories: Sequence[Sequence[str]], entries: Mapping[Key, int]) -> list[list[Key]]:
    """Return each line as ``[margin, member, member, …]``."""
    result = []
    for key in entries:
        for dimension, value in enumerate(key):
            if value is not None:
                continue
            members = [key[:dimension] + (category,) + key[dimension + 1 :] for category in categories[dimension]]
            result.append([key, *members])
    return result


def small_differences(entries: Mapping[Key, int], others: Sequence[Mapping[Key, int]], threshold: int = THRESHOLD) -> set[Key]:
    """Return the keys whose value differs from the same entry of another table by 1 to ``threshold`` − 1.

    Two tables of nested populations (the main list, and the main list with a
    complementary list) published side by side give the smaller population's
    complement by subtraction; a small complement must not be published.
    """
    return {
        key
        for key, value in entries.items()
        if any(0 < abs(value - other.get(key, 0)) < threshold for other in others)
    }


def suppress(
    categories: Sequence[Sequence[str]],
    entries: Mapping[Key, int],
    threshold: int = THRESHOLD,
    also: set[Key] | None = None,
    published_elsewhere: set[Key] | None = None,
) -> set[Key]:
    """Return the keys to withhold: every entry under ``threshold`` and in ``also``, plus partners that protect them.

    When a line has exactly one withheld entry, its smallest published member
    is withheld too. Members (finer entries) are preferred to the line's
    margin, so that totals stay published whenever possible. An entry of
    ``published_elsewhere`` (a count another resource publishes) protects
    nothing when withheld here, so it is chosen only when the line has no
    other entry left. The loop repeats until no line has a single withheld entry.
    """
    elsewhere = published_elsewhere or set()
    withheld = {key for key, value in entries.items() if value < threshold} | set(also or ())
    all_lines = lines(categories, entries)
    by_key: dict[Key, list[int]] = {}
    for index, line in enumerate(all_lines):
        for key in line:
            by_key.setdefault(key, []).append(index)

    pending = list(range(len(all_lines)))
    while pending:
        index = pending.pop()
        line = all_lines[index]
        hidden = [key for key in line if key in withheld]
        # A margin with no member (a dimension without categories) is an empty sum, not an equation.
        if len(line) < 2 or len(hidden) != 1:
            continue
        members = [key for key in line[1:] if key not in withheld]
        candidates = members or [line[0]]
        useful = [key for key in candidates if key not in elsewhere]
        if not useful and members and line[0] not in withheld and line[0] not in elsewhere:
            useful = [line[0]]
        partner = min(useful or candidates, key=lambda key: (entries[key], [str(part) for part in key]))
        withheld.add(partner)
        pending.extend(by_key[partner])
    return withheld
