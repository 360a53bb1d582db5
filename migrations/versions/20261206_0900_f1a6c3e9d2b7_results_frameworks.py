"""results frameworks

Each programme's results framework (outcomes, outputs, indicators with baselines, yearly
targets and actuals), the fund's own framework (fund-level outcomes and their indicators), the
SDG targets and the MGI policy domains (reference facts), and the MGI indicators and country
assessments the secretariat enters. New tables only; the reference rows are loaded by
`flask fund seed`.

Revision ID: f1a6c3e9d2b7
Revises: e5a2c8f0d4b6
Create Date: 2026-12-06 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f1a6c3e9d2b7"
down_revision = "e5a2c8f0d4b6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "migof_domains",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_migof_domains")),
    )
    op.create_table(
        "sdg_targets",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "level IN ('target', 'indicator')", name=op.f("ck_sdg_targets_level_valid")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_sdg_targets")),
    )
    op.create_table(
        "fund_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("thematic_area_code", sa.String(length=8), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["thematic_area_code"],
            ["thematic_areas.code"],
            name=op.f("fk_fund_outcomes_thematic_area_code_thematic_areas"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_outcomes")),
        sa.UniqueConstraint("code", name=op.f("uq_fund_outcomes_code")),
    )
    op.create_table(
        "mgi_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country_iso2", sa.String(length=2), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.CheckConstraint(
            "year BETWEEN 2000 AND 2100", name=op.f("ck_mgi_assessments_year_range")
        ),
        sa.ForeignKeyConstraint(
            ["country_iso2"],
            ["countries.iso2"],
            name=op.f("fk_mgi_assessments_country_iso2_countries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mgi_assessments")),
        sa.UniqueConstraint(
            "country_iso2", "year", name=op.f("uq_mgi_assessments_country_iso2_year")
        ),
    )
    with op.batch_alter_table("mgi_assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mgi_assessments_country_iso2"), ["country_iso2"], unique=False
        )

    op.create_table(
        "mgi_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("domain_code", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["domain_code"],
            ["migof_domains.code"],
            name=op.f("fk_mgi_indicators_domain_code_migof_domains"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mgi_indicators")),
        sa.UniqueConstraint("code", name=op.f("uq_mgi_indicators_code")),
    )
    op.create_table(
        "fund_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_outcome_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_outcome_id"],
            ["fund_outcomes.id"],
            name=op.f("fk_fund_indicators_fund_outcome_id_fund_outcomes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_indicators")),
    )
    with op.batch_alter_table("fund_indicators", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fund_indicators_fund_outcome_id"), ["fund_outcome_id"], unique=False
        )

    op.create_table(
        "mgi_indicator_objectives",
        sa.Column("mgi_indicator_id", sa.Integer(), nullable=False),
        sa.Column("objective_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mgi_indicator_id"],
            ["mgi_indicators.id"],
            name=op.f("fk_mgi_indicator_objectives_mgi_indicator_id_mgi_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["objective_number"],
            ["gcm_objectives.number"],
            name=op.f("fk_mgi_indicator_objectives_objective_number_gcm_objectives"),
        ),
        sa.PrimaryKeyConstraint(
            "mgi_indicator_id", "objective_number", name=op.f("pk_mgi_indicator_objectives")
        ),
    )
    op.create_table(
        "mgi_scores",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "score IN ('absent', 'partial', 'complete')", name=op.f("ck_mgi_scores_score_valid")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["mgi_assessments.id"],
            name=op.f("fk_mgi_scores_assessment_id_mgi_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["mgi_indicators.id"],
            name=op.f("fk_mgi_scores_indicator_id_mgi_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("assessment_id", "indicator_id", name=op.f("pk_mgi_scores")),
    )
    op.create_table(
        "result_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("fund_outcome_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["fund_outcome_id"],
            ["fund_outcomes.id"],
            name=op.f("fk_result_outcomes_fund_outcome_id_fund_outcomes"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_result_outcomes_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_outcomes")),
    )
    with op.batch_alter_table("result_outcomes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_result_outcomes_proposal_id"), ["proposal_id"], unique=False
        )

    op.create_table(
        "result_outcome_objectives",
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("objective_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["objective_number"],
            ["gcm_objectives.number"],
            name=op.f("fk_result_outcome_objectives_objective_number_gcm_objectives"),
        ),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["result_outcomes.id"],
            name=op.f("fk_result_outcome_objectives_outcome_id_result_outcomes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "outcome_id", "objective_number", name=op.f("pk_result_outcome_objectives")
        ),
    )
    op.create_table(
        "result_outcome_sdg_targets",
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("sdg_code", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["result_outcomes.id"],
            name=op.f("fk_result_outcome_sdg_targets_outcome_id_result_outcomes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sdg_code"],
            ["sdg_targets.code"],
            name=op.f("fk_result_outcome_sdg_targets_sdg_code_sdg_targets"),
        ),
        sa.PrimaryKeyConstraint(
            "outcome_id", "sdg_code", name=op.f("pk_result_outcome_sdg_targets")
        ),
    )
    op.create_table(
        "result_outputs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["result_outcomes.id"],
            name=op.f("fk_result_outputs_outcome_id_result_outcomes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_outputs")),
    )
    with op.batch_alter_table("result_outputs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_result_outputs_outcome_id"), ["outcome_id"], unique=False
        )

    op.create_table(
        "result_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("output_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=60), nullable=False),
        sa.Column("baseline_value", sa.Numeric(precision=16, scale=4), nullable=True),
        sa.Column("baseline_year", sa.Integer(), nullable=True),
        sa.Column("baseline_source", sa.String(length=20), nullable=True),
        sa.Column("baseline_link", sa.String(length=500), nullable=False),
        sa.Column("mgi_indicator_id", sa.Integer(), nullable=True),
        sa.Column("mgi_assessment_id", sa.Integer(), nullable=True),
        sa.Column("end_target", sa.Numeric(precision=16, scale=4), nullable=True),
        sa.Column("by_sex", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("by_age", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("by_migration_status", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("means_of_verification", sa.Text(), nullable=False),
        sa.Column("responsible_organization_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(baseline_source = 'mgi') OR (mgi_indicator_id IS NULL AND mgi_assessment_id IS NULL)",
            name=op.f("ck_result_indicators_mgi_reference_of_mgi_source"),
        ),
        sa.CheckConstraint(
            "baseline_source IS NULL OR baseline_source IN "
            "('mgi', 'national_statistic', 'programme_survey', 'other')",
            name=op.f("ck_result_indicators_baseline_source_valid"),
        ),
        sa.CheckConstraint(
            "baseline_year IS NULL OR baseline_year BETWEEN 1990 AND 2100",
            name=op.f("ck_result_indicators_baseline_year_range"),
        ),
        sa.ForeignKeyConstraint(
            ["mgi_assessment_id"],
            ["mgi_assessments.id"],
            name=op.f("fk_result_indicators_mgi_assessment_id_mgi_assessments"),
        ),
        sa.ForeignKeyConstraint(
            ["mgi_indicator_id"],
            ["mgi_indicators.id"],
            name=op.f("fk_result_indicators_mgi_indicator_id_mgi_indicators"),
        ),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["result_outcomes.id"],
            name=op.f("fk_result_indicators_outcome_id_result_outcomes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["output_id"],
            ["result_outputs.id"],
            name=op.f("fk_result_indicators_output_id_result_outputs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["responsible_organization_id"],
            ["organizations.id"],
            name=op.f("fk_result_indicators_responsible_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_indicators")),
    )
    with op.batch_alter_table("result_indicators", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_result_indicators_outcome_id"), ["outcome_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_result_indicators_output_id"), ["output_id"], unique=False
        )

    op.create_table(
        "indicator_actuals",
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "year BETWEEN 1990 AND 2100", name=op.f("ck_indicator_actuals_year_range")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["result_indicators.id"],
            name=op.f("fk_indicator_actuals_indicator_id_result_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("indicator_id", "year", name=op.f("pk_indicator_actuals")),
    )
    op.create_table(
        "indicator_targets",
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.CheckConstraint(
            "year BETWEEN 1990 AND 2100", name=op.f("ck_indicator_targets_year_range")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["result_indicators.id"],
            name=op.f("fk_indicator_targets_indicator_id_result_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("indicator_id", "year", name=op.f("pk_indicator_targets")),
    )


def downgrade():
    op.drop_table("indicator_targets")
    op.drop_table("indicator_actuals")
    with op.batch_alter_table("result_indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_result_indicators_output_id"))
        batch_op.drop_index(batch_op.f("ix_result_indicators_outcome_id"))

    op.drop_table("result_indicators")
    with op.batch_alter_table("result_outputs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_result_outputs_outcome_id"))

    op.drop_table("result_outputs")
    op.drop_table("result_outcome_sdg_targets")
    op.drop_table("result_outcome_objectives")
    with op.batch_alter_table("result_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_result_outcomes_proposal_id"))

    op.drop_table("result_outcomes")
    op.drop_table("mgi_scores")
    op.drop_table("mgi_indicator_objectives")
    with op.batch_alter_table("fund_indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_indicators_fund_outcome_id"))

    op.drop_table("fund_indicators")
    op.drop_table("mgi_indicators")
    with op.batch_alter_table("mgi_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mgi_assessments_country_iso2"))

    op.drop_table("mgi_assessments")
    op.drop_table("fund_outcomes")
    op.drop_table("sdg_targets")
    op.drop_table("migof_domains")
