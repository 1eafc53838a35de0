"""The county portal: agencies, accounts, sessions, audit trail, 汇总 parts; workflow columns on reports.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("agencies.id"), nullable=True),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_agencies_parent_id", "agencies", ["parent_id"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id"), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("must_change", sa.Boolean, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime, nullable=True),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("password_changed_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_users_agency_id", "users", ["agency_id"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen", sa.DateTime, nullable=False),
        sa.Column("ended_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("report_id", sa.Integer, nullable=True),
        sa.Column("agency", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_action", "audit_events", ["action"])
    op.create_index("ix_audit_events_report_id", "audit_events", ["report_id"])
    op.create_table(
        "rollup_parts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("rollup_id", sa.Integer, sa.ForeignKey("reports.id"), nullable=False),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id"), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.UniqueConstraint("rollup_id", "report_id", name="uq_rollup_part"),
    )
    op.create_index("ix_rollup_parts_rollup_id", "rollup_parts", ["rollup_id"])
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id", name="fk_reports_agency_id"), nullable=True))
        batch.add_column(sa.Column("state", sa.String(10), nullable=False, server_default="草稿"))
        batch.add_column(sa.Column("state_reason", sa.Text, nullable=True))
        batch.add_column(sa.Column("state_at", sa.DateTime, nullable=True))
        batch.add_column(sa.Column("state_by", sa.String(64), nullable=True))
        batch.create_index("ix_reports_agency_year", ["agency_id", "year"])


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_index("ix_reports_agency_year")
        batch.drop_column("state_by")
        batch.drop_column("state_at")
        batch.drop_column("state_reason")
        batch.drop_column("state")
        batch.drop_constraint("fk_reports_agency_id", type_="foreignkey")
        batch.drop_column("agency_id")
    for index, table in (("ix_rollup_parts_rollup_id", "rollup_parts"), ("ix_audit_events_report_id", "audit_events"),
                         ("ix_audit_events_action", "audit_events"), ("ix_audit_events_at", "audit_events"),
                         ("ix_sessions_user_id", "sessions"), ("ix_users_agency_id", "users"), ("ix_agencies_parent_id", "agencies")):
        op.drop_index(index, table)
    for table in ("rollup_parts", "audit_events", "sessions", "users", "agencies"):
        op.drop_table(table)
