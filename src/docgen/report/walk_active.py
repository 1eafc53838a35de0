"""Walking table 二 (主动公开): its rows, fields and amounts."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from yaml.nodes import MappingNode, Node, ScalarNode

from ..editions import Edition
from ..editions.types import TABLE_2, Kind
from .keys import WalkerBase, _elsewhere
from .model import Amount, money_problem
from .nodes import Key, _describe, _is_null, _join

_DECIMAL = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")


class ActiveWalker(WalkerBase):
    # -- table 二 ------------------------------------------------------------------------------
    def _active(self, node: Node, edition: Edition) -> dict:
        mapping = self._mapping(node, TABLE_2)
        if mapping is None:
            return {}
        rows = {row.id: (block, row) for block, row in edition.active_rows}
        elsewhere = _elsewhere(edition, lambda e: [Key(r.id, r.label, r.aliases) for _, r in e.active_rows])
        found = self._keys(mapping, [Key(r.id, r.label, r.aliases) for _, r in edition.active_rows], TABLE_2, "active", elsewhere)
        out: dict = {}
        for row_id, (_, vnode) in found.items():
            block, row = rows[row_id]
            where = _join(TABLE_2, block.label, row.label)
            if row.scalar and not isinstance(vnode, MappingNode):
                value = self._value(vnode, block.fields[0].kind, where)
                if value is not None:
                    out[row_id] = {block.fields[0].id: value}
                continue
            what = "一个数" if row.scalar else "包含" + "、".join(f"{f.id}（{f.label}）" for f in block.fields) + "的一组“键: 值”"
            values = self._mapping(vnode, where, what)
            if values is None:
                continue
            field_elsewhere = _elsewhere(
                edition, lambda e: [Key(f.id, f.label) for b, r in e.active_rows if r.id == row_id for f in b.fields]
            )
            cells = self._keys(values, [Key(f.id, f.label) for f in block.fields], where, f"active.{row_id}", field_elsewhere)
            kinds = {f.id: f for f in block.fields}
            out[row_id] = {}
            for field_id, (_, cnode) in cells.items():
                value = self._value(cnode, kinds[field_id].kind, _join(where, kinds[field_id].label))
                if value is not None:
                    out[row_id][field_id] = value
        return out

    def _value(self, node: Node, kind: Kind, where: str):
        if kind in (Kind.COUNT, Kind.CHANGE):
            return self._count(node, where, negative=kind is Kind.CHANGE)
        return self._money(node, where, units=kind is Kind.AMOUNT)

    def _money(self, node: Node, where: str, units: bool):
        expected = "金额（数字，可带单位“元”或“万元”）" if units else "金额（单位：万元，可带小数）"
        if _is_null(node):
            return Amount(value=Decimal(0)) if units else Decimal(0)
        text = str(node.value).strip() if isinstance(node, ScalarNode) else ""
        unit = ""
        for suffix in ("万元", "元"):
            if text.endswith(suffix):
                unit, text = suffix, text[: -len(suffix)].strip()
                break
        ok = isinstance(node, ScalarNode) and _DECIMAL.match(text) and node.tag.split(":")[-1] in ("int", "float", "str")
        if ok and unit and not units and unit != "万元":
            self.error(node, where, f"单位应为万元，实际为“{node.value}”；请换算为万元后填写")
            return None
        if not ok:
            self.error(node, where, f"应为{expected}，实际为{_describe(node)}")
            return None
        bounds = money_problem(text)
        if bounds:
            self.error(node, where, f"{bounds}，实际为{_describe(node)}")
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.error(node, where, f"应为{expected}，实际为{_describe(node)}")
            return None
        if value < 0:
            self.error(node, where, f"金额不能为负数，实际为“{node.value}”")
            return None
        if units:
            return Amount(value=value, unit=unit)
        return value
