"""the administrative agent role

The MPTF Office, the fund's administrative agent, records the money (deposits, interest,
transfers to participating organizations, refunds); the secretariat requests transfers.

Revision ID: a9d4c1e7b320
Revises: b8767c451c5b
Create Date: 2026-12-08 09:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a9d4c1e7b320"
down_revision = "b8767c451c5b"
branch_labels = None
depends_on = None

OLD_ROLES = ("applicant", "secretariat", "committee", "admin")
NEW_ROLES = (*OLD_ROLES, "administrative_agent")


def _roles_check(roles: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{role}'" for role in roles)
    with op.batch_alter_table("user_roles") as batch:
        batch.drop_constraint(op.f("ck_user_roles_role_valid"), type_="check")
        batch.create_check_constraint(op.f("ck_user_roles_role_valid"), f"role IN ({listed})")


def upgrade() -> None:
    _roles_check(NEW_ROLES)


def downgrade() -> None:
    op.execute("DELETE FROM user_roles WHERE role = 'administrative_agent'")
    _roles_check(OLD_ROLES)
