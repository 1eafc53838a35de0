"""Walking tables 三 and 四: rows of counts per applicant type or review result."""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..editions import Edition
from ..editions.types import RESULTS_LABEL, TABLE_3, TABLE_4, TOTAL_LABEL, TOTAL_ROW_LABEL, AppGroup
from .keys import WalkerBase, _elsewhere, _other_edition_group
from .model import count_problem
from .forgive import count_text
from .nodes import _INT, Key, _describe, _is_null, _join


class CountWalker(WalkerBase):
    # -- table 三 ------------------------------------------------------------------------------
    def _applications(self, node: Node, edition: Edition) -> dict:
        mapping = self._mapping(node, TABLE_3)
        if mapping is None:
            return {}
        top: list[Key] = [Key(r.id, r.label, r.aliases) for r in edition.intake_rows]
        for item in edition.result_items:
            top.append(Key(item.id, item.label, item.aliases))
        top.append(Key(edition.carried_out.id, edition.carried_out.label))
        elsewhere = _elsewhere(edition, lambda e: [Key(r.id, r.label) for r in e.result_items])
        found = self._keys(mapping, top, TABLE_3, "applications", elsewhere, computed=("total", TOTAL_ROW_LABEL, TOTAL_LABEL))
        out: dict[str, list[int]] = {}
        items = {item.id: item for item in edition.result_items}
        for item_id, (_, vnode) in found.items():
            item = items.get(item_id)
            if isinstance(item, AppGroup):
                where = _join(TABLE_3, RESULTS_LABEL, item.label)
                if isinstance(vnode, SequenceNode):
                    subs = "、".join(f"{r.key[-1]}（{r.label}）" for r in item.rows)
                    self.error(vnode, where, f"{edition.id}版格式中“{item.label}”分为各分项：{subs}，应为一组“键: 值”，实际为{_describe(vnode)}")
                    continue
                group = self._mapping(vnode, where, "包含各分项的一组“键: 值”")
                if group is None:
                    continue
                rows = self._keys(group, [Key(r.key[-1], r.label, r.aliases) for r in item.rows], where, f"applications.{item_id}")
                for sub_id, (_, rnode) in rows.items():
                    row = edition.app_row(f"{item_id}.{sub_id}")
                    counts = self._counts(rnode, edition, _join(TABLE_3, edition.app_row_path(row)), f"applications.{row.id}")
                    if counts is not None:
                        out[row.id] = counts
            else:
                row = edition.app_row(item_id)
                other = _other_edition_group(edition, item_id) if isinstance(vnode, MappingNode) else None
                if other is not None:
                    ed, group = other
                    self.error(
                        vnode,
                        _join(TABLE_3, edition.app_row_path(row)),
                        f"{edition.id}版格式中“{row.label}”只有一行，应为{len(edition.applicants)}个数的列表；"
                        f"分为{len(group.rows)}项的写法属于{ed.id}版格式",
                    )
                    continue
                counts = self._counts(vnode, edition, _join(TABLE_3, edition.app_row_path(row)), f"applications.{row.id}")
                if counts is not None:
                    out[row.id] = counts
        return out

    def _counts(self, node: Node, edition: Edition, where: str, path: str) -> list[int] | None:
        labels = [a.label for a in edition.applicants]
        return self._count_row(node, where, path, [Key(a.id, a.label) for a in edition.applicants], labels, len(labels))

    def _count_row(self, node: Node, where: str, path: str, keys: list[Key], labels: list[str], size: int) -> list[int] | None:
        if _is_null(node):
            return None
        if isinstance(node, MappingNode):
            found = self._keys(node, keys, where, path, computed=("total", TOTAL_LABEL))
            values = [0] * size
            ok = True
            for i, key in enumerate(keys):
                if key.id in found:
                    value = self._count(found[key.id][1], _join(where, key.label))
                    ok = ok and value is not None
                    values[i] = value or 0
            return values if ok else None
        if not isinstance(node, SequenceNode):
            self.error(node, where, f"应为{size}个数的列表（{'、'.join(labels)}），实际为{_describe(node)}")
            return None
        if len(node.value) != size:
            hint = "；总计由程序计算，不需要填写" if len(node.value) == size + 1 else ""
            self.error(node, where, f"应为{size}个数（{'、'.join(labels)}），实际为{len(node.value)}个{hint}")
            return None
        values = [self._count(item, _join(where, label)) for item, label in zip(node.value, labels)]
        if any(v is None for v in values):
            return None
        return values  # type: ignore[return-value]

    def _count(self, node: Node, where: str, negative: bool = False) -> int | None:
        expected = "整数（可为负数）" if negative else "非负整数"
        if not isinstance(node, ScalarNode):
            self.error(node, where, f"应为{expected}，实际为{_describe(node)}")
            return None
        text = str(node.value).strip()
        if node.tag.endswith(":int") and _INT.match(text):
            bounds = count_problem(text)
            if bounds:
                self.error(node, where, f"应为{expected}，{bounds}：“{text[:20]}…”")
                return None
            value = int(text)
            if value < 0 and not negative:
                self.error(node, where, f"应为{expected}，实际为“{text}”（负数）")
                return None
            return value
        if _is_null(node):
            self.error(node, where, f"应为{expected}，实际为空；没有的请填 0")
            return None
        read = count_text(text) if node.tag.endswith(":str") and node.style not in ("'", '"') and len(text) <= 20 else None
        if read is not None:  # １２, 5件, — : read as a person would, and said so
            self.warn(node, where, read[1])
            return read[0]
        kind = {"float": "（小数）", "bool": "（是/否）", "str": "（文字）" if not _INT.match(text) else "（加了引号的文字）"}
        self.error(node, where, f"应为{expected}，实际为“{text}”{kind.get(node.tag.split(':')[-1], '')}")
        return None

    # -- table 四 ------------------------------------------------------------------------------
    def _reviews(self, node: Node, edition: Edition) -> dict:
        mapping = self._mapping(node, TABLE_4)
        if mapping is None:
            return {}
        groups = {g.id: g for g in edition.review_groups}
        found = self._keys(mapping, [Key(g.id, g.full_label, (g.label,) + g.aliases) for g in edition.review_groups], TABLE_4, "reviews")
        keys = [Key(f.id, f.label) for f in edition.review_results]
        labels = [f.label for f in edition.review_results]
        out = {}
        for group_id, (_, vnode) in found.items():
            values = self._count_row(vnode, _join(TABLE_4, groups[group_id].full_label), f"reviews.{group_id}", keys, labels, len(labels))
            if values is not None:
                out[group_id] = values
        return out
