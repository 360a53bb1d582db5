"""committee seats, alternates, the chair, and meetings

A committee member holds a seat for an entity (`committee_seats`, with the history of who held
it in `committee_seat_terms`); a seat may name alternates (`committee_seat_alternates`) and one
seat is the chair's. A round counts seats: each member of a round (`round_members.seat_id`) and
each vote (`votes.seat_id`) names its seat, one vote per seat.

Every existing committee member, and everyone who sat in a round, gets a seat of their own for
their organization, so the committee votes as before: the rounds' members and votes name those
seats. Meetings (`committee_meetings`) have their attendance and agenda items.

The downgrade drops the seats, alternates and meetings: the votes and rounds keep their members.

Revision ID: c0ada0a47e62
Revises: b6d2e8f41a07
Create Date: 2026-12-04 10:00:00

"""

from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c0ada0a47e62"
down_revision = "b6d2e8f41a07"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "committee_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("chaired_by_id", sa.Integer(), nullable=True),
        sa.Column("also_present", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "length(trim(title)) > 0", name=op.f("ck_committee_meetings_title_not_blank")
        ),
        sa.CheckConstraint("seats >= 0", name=op.f("ck_committee_meetings_seats_not_negative")),
        sa.CheckConstraint("version > 0", name=op.f("ck_committee_meetings_version_positive")),
        sa.ForeignKeyConstraint(
            ["chaired_by_id"], ["users.id"], name=op.f("fk_committee_meetings_chaired_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_committee_meetings_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_meetings")),
    )
    with op.batch_alter_table("committee_meetings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_committee_meetings_held_on"), ["held_on"], unique=False
        )

    op.create_table(
        "committee_seats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("chair", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "NOT (chair AND ended_at IS NOT NULL)",
            name=op.f("ck_committee_seats_retired_not_chair"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["users.id"], name=op.f("fk_committee_seats_member_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_committee_seats_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_seats")),
    )
    with op.batch_alter_table("committee_seats", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_committee_seats_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_committee_seats_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            "uq_committee_seats_member_current",
            ["member_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.create_index(
            "uq_committee_seats_one_chair",
            ["chair"],
            unique=True,
            sqlite_where=sa.text("chair AND ended_at IS NULL"),
            postgresql_where=sa.text("chair AND ended_at IS NULL"),
        )

    op.create_table(
        "committee_meeting_attendees",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seat_id", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "capacity IN ('member', 'alternate')",
            name=op.f("ck_committee_meeting_attendees_capacity_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["committee_meetings.id"],
            name=op.f("fk_committee_meeting_attendees_meeting_id_committee_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seat_id"],
            ["committee_seats.id"],
            name=op.f("fk_committee_meeting_attendees_seat_id_committee_seats"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_committee_meeting_attendees_user_id_users")
        ),
        sa.PrimaryKeyConstraint(
            "meeting_id", "user_id", name=op.f("pk_committee_meeting_attendees")
        ),
    )
    with op.batch_alter_table("committee_meeting_attendees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_committee_meeting_attendees_seat_id"), ["seat_id"], unique=False
        )

    op.create_table(
        "committee_seat_alternates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seat_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["seat_id"],
            ["committee_seats.id"],
            name=op.f("fk_committee_seat_alternates_seat_id_committee_seats"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_committee_seat_alternates_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_seat_alternates")),
    )
    with op.batch_alter_table("committee_seat_alternates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_committee_seat_alternates_seat_id"), ["seat_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_committee_seat_alternates_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            "uq_committee_seat_alternates_user_current",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    op.create_table(
        "committee_seat_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seat_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["users.id"], name=op.f("fk_committee_seat_terms_member_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["seat_id"],
            ["committee_seats.id"],
            name=op.f("fk_committee_seat_terms_seat_id_committee_seats"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_seat_terms")),
    )
    with op.batch_alter_table("committee_seat_terms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_committee_seat_terms_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_committee_seat_terms_seat_id"), ["seat_id"], unique=False
        )
        batch_op.create_index(
            "uq_committee_seat_terms_seat_current",
            ["seat_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    op.create_table(
        "committee_meeting_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'proposal') = (proposal_id IS NOT NULL)",
            name=op.f("ck_committee_meeting_items_proposal_item_names_it"),
        ),
        sa.CheckConstraint(
            "kind IN ('proposal', 'pipeline', 'other')",
            name=op.f("ck_committee_meeting_items_kind_valid"),
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('approved', 'not_approved', 'returned', 'selected', 'pipeline', 'deferred', 'agreed', 'noted')",
            name=op.f("ck_committee_meeting_items_outcome_valid"),
        ),
        sa.CheckConstraint(
            "position > 0", name=op.f("ck_committee_meeting_items_position_positive")
        ),
        sa.CheckConstraint(
            "round_id IS NULL OR proposal_id IS NOT NULL",
            name=op.f("ck_committee_meeting_items_round_of_proposal"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["committee_meetings.id"],
            name=op.f("fk_committee_meeting_items_meeting_id_committee_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_committee_meeting_items_proposal_id_proposals"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["voting_rounds.id"],
            name=op.f("fk_committee_meeting_items_round_id_voting_rounds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_meeting_items")),
    )
    with op.batch_alter_table("committee_meeting_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_committee_meeting_items_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_committee_meeting_items_proposal_id"), ["proposal_id"], unique=False
        )

    for table in ("round_members", "votes"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("seat_id", sa.Integer(), nullable=True))

    _seat_everyone()

    with op.batch_alter_table("round_members", schema=None) as batch_op:
        batch_op.alter_column("seat_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_round_members_seat_id"), ["seat_id"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_round_members_round_id_seat_id"), ["round_id", "seat_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_round_members_seat_id_committee_seats"),
            "committee_seats",
            ["seat_id"],
            ["id"],
        )

    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.alter_column("seat_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_votes_seat_id"), ["seat_id"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_votes_round_id_seat_id"), ["round_id", "seat_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_votes_seat_id_committee_seats"), "committee_seats", ["seat_id"], ["id"]
        )


def _seat_everyone():
    """A seat of their own, for their organization, for every committee member and everyone
    who sat in a round; the rounds' members and votes name those seats."""
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("organization_id", sa.Integer))
    roles = sa.table("user_roles", sa.column("user_id", sa.Integer), sa.column("role", sa.String))
    members = sa.table(
        "round_members", sa.column("user_id", sa.Integer), sa.column("seat_id", sa.Integer)
    )
    votes = sa.table("votes", sa.column("member_id", sa.Integer), sa.column("seat_id", sa.Integer))
    seats = sa.table(
        "committee_seats",
        sa.column("id", sa.Integer),
        sa.column("organization_id", sa.Integer),
        sa.column("member_id", sa.Integer),
        sa.column("chair", sa.Boolean),
        sa.column("started_at", sa.DateTime(timezone=True)),
    )
    terms = sa.table(
        "committee_seat_terms",
        sa.column("seat_id", sa.Integer),
        sa.column("member_id", sa.Integer),
        sa.column("started_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    now = datetime.now(UTC)
    seated = sa.union(
        sa.select(roles.c.user_id).where(roles.c.role == "committee"),
        sa.select(members.c.user_id),
    ).subquery()
    people = bind.execute(
        sa.select(users.c.id, users.c.organization_id)
        .where(users.c.id.in_(sa.select(seated.c.user_id)))
        .order_by(users.c.id)
    ).all()
    for user_id, organization_id in people:
        bind.execute(
            sa.insert(seats).values(
                organization_id=organization_id, member_id=user_id, chair=False, started_at=now
            )
        )
    bind.execute(
        sa.insert(terms).from_select(
            ["seat_id", "member_id", "started_at"],
            sa.select(seats.c.id, seats.c.member_id, seats.c.started_at),
        )
    )
    seat_of = lambda column: (  # noqa: E731
        sa.select(seats.c.id).where(seats.c.member_id == column).scalar_subquery()
    )
    bind.execute(sa.update(members).values(seat_id=seat_of(members.c.user_id)))
    bind.execute(sa.update(votes).values(seat_id=seat_of(votes.c.member_id)))


def downgrade():
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_votes_seat_id_committee_seats"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_votes_round_id_seat_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_votes_seat_id"))
        batch_op.drop_column("seat_id")

    with op.batch_alter_table("round_members", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_round_members_seat_id_committee_seats"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_round_members_round_id_seat_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_round_members_seat_id"))
        batch_op.drop_column("seat_id")

    with op.batch_alter_table("committee_meeting_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committee_meeting_items_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_committee_meeting_items_meeting_id"))

    op.drop_table("committee_meeting_items")
    with op.batch_alter_table("committee_seat_terms", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_committee_seat_terms_seat_current",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_committee_seat_terms_seat_id"))
        batch_op.drop_index(batch_op.f("ix_committee_seat_terms_member_id"))

    op.drop_table("committee_seat_terms")
    with op.batch_alter_table("committee_seat_alternates", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_committee_seat_alternates_user_current",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_committee_seat_alternates_user_id"))
        batch_op.drop_index(batch_op.f("ix_committee_seat_alternates_seat_id"))

    op.drop_table("committee_seat_alternates")
    with op.batch_alter_table("committee_meeting_attendees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committee_meeting_attendees_seat_id"))

    op.drop_table("committee_meeting_attendees")
    with op.batch_alter_table("committee_seats", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_committee_seats_one_chair",
            sqlite_where=sa.text("chair AND ended_at IS NULL"),
            postgresql_where=sa.text("chair AND ended_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_committee_seats_member_current",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_committee_seats_organization_id"))
        batch_op.drop_index(batch_op.f("ix_committee_seats_member_id"))

    op.drop_table("committee_seats")
    with op.batch_alter_table("committee_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committee_meetings_held_on"))

    op.drop_table("committee_meetings")
