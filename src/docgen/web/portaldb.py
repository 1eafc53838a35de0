"""The county portal's tables (`docgen serve --portal`): agencies, accounts, sessions, the audit
trail, and which reports a 汇总 was made of. Reports themselves stay in store.reports, which
carries the workflow columns (agency_id, state, state_reason, state_at, state_by).

The schema is made by migration 0002; these Table objects are what the code queries.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from .store import metadata

# Roles (stored as written, shown as written).
ADMIN, REVIEWER, CLERK = "管理员", "审核人", "填报人"
ROLES = (ADMIN, REVIEWER, CLERK)

# A report's life. 未开始 is never stored: it is an agency of the year without a report.
NOT_STARTED, DRAFT, SUBMITTED, RETURNED, APPROVED = "未开始", "草稿", "已提交", "已退回", "已审核"
STATES = (NOT_STARTED, DRAFT, SUBMITTED, RETURNED, APPROVED)

# Agency levels: an agency that files (a department or 乡镇), or a level that aggregates.
AGENCY, COUNTY, CITY, PROVINCE = "机关", "县", "市", "省"
LEVELS = (AGENCY, COUNTY, CITY, PROVINCE)

agencies = Table(
    "agencies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("parent_id", Integer, ForeignKey("agencies.id"), nullable=True, index=True),
    Column("level", String(10), nullable=False, default=AGENCY),
    Column("created_at", DateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False, default=""),
    Column("role", String(10), nullable=False),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=True, index=True),
    Column("password_hash", String(255), nullable=False),
    Column("must_change", Boolean, nullable=False, default=True),  # one-time password: change at first login
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime, nullable=True),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    Column("password_changed_at", DateTime, nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # sha256 hex of the cookie's token, never the token
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("address", String(64), nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=True),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("username", String(64), nullable=False, default=""),
    Column("address", String(64), nullable=False, default=""),
    Column("action", String(32), nullable=False, index=True),
    Column("report_id", Integer, nullable=True, index=True),  # no foreign key: the trail outlives what it names
    Column("agency", String(200), nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),  # JSON: before/after per cell, reason, file name...
)

rollup_parts = Table(
    "rollup_parts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rollup_id", Integer, ForeignKey("reports.id"), nullable=False, index=True),
    Column("report_id", Integer, ForeignKey("reports.id"), nullable=False),
    Column("revision", Integer, nullable=False),  # the approved revision that was summed
    UniqueConstraint("rollup_id", "report_id", name="uq_rollup_part"),
)
