"""kept per-unit report rows, and the triggers that mark a unit's row stale when what it counts changes

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 16:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# the item columns a unit's card reads (cobuild.tracking); an UPDATE that sets none of them
# (the sweep's next_reminder_at, a progress percentage) fires no trigger
ITEM_COLUMNS = ("council_id, raised_by_unit_id, lead_unit_id, raised_conference_id, resolution_conference_id, number, "
                "status, accepted_at, deadline, extensions, closed_on, closed_on_time, days_to_close, satisfaction, "
                "send_backs, reopens")
CLAIM_COLUMNS = "item_id, unit_id, role, status"

SQLITE = [
    """CREATE TRIGGER unitcard_item_insert AFTER INSERT ON item BEGIN
         INSERT INTO unitcardstale (unit_id) SELECT u FROM (SELECT NEW.raised_by_unit_id AS u
           UNION SELECT NEW.lead_unit_id) WHERE u IS NOT NULL;
       END""",
    f"""CREATE TRIGGER unitcard_item_update AFTER UPDATE OF {ITEM_COLUMNS} ON item BEGIN
         INSERT INTO unitcardstale (unit_id) SELECT u FROM (SELECT OLD.raised_by_unit_id AS u
           UNION SELECT OLD.lead_unit_id UNION SELECT NEW.raised_by_unit_id UNION SELECT NEW.lead_unit_id
           UNION SELECT unit_id FROM claim WHERE item_id = NEW.id) WHERE u IS NOT NULL;
       END""",
    """CREATE TRIGGER unitcard_item_delete AFTER DELETE ON item BEGIN
         INSERT INTO unitcardstale (unit_id) SELECT u FROM (SELECT OLD.raised_by_unit_id AS u
           UNION SELECT OLD.lead_unit_id UNION SELECT unit_id FROM claim WHERE item_id = OLD.id) WHERE u IS NOT NULL;
       END""",
    """CREATE TRIGGER unitcard_claim_insert AFTER INSERT ON claim BEGIN
         INSERT INTO unitcardstale (unit_id) VALUES (NEW.unit_id);
       END""",
    f"""CREATE TRIGGER unitcard_claim_update AFTER UPDATE OF {CLAIM_COLUMNS} ON claim BEGIN
         INSERT INTO unitcardstale (unit_id) SELECT u FROM (SELECT OLD.unit_id AS u UNION SELECT NEW.unit_id);
       END""",
    """CREATE TRIGGER unitcard_claim_delete AFTER DELETE ON claim BEGIN
         INSERT INTO unitcardstale (unit_id) VALUES (OLD.unit_id);
       END""",
]

POSTGRES = [
    """CREATE FUNCTION unitcard_item_changed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP IN ('UPDATE', 'DELETE') THEN
           INSERT INTO unitcardstale (unit_id) SELECT u FROM (SELECT OLD.raised_by_unit_id AS u
             UNION SELECT OLD.lead_unit_id UNION SELECT unit_id FROM claim WHERE item_id = OLD.id) AS s
             WHERE u IS NOT NULL;
         END IF;
         IF TG_OP IN ('INSERT', 'UPDATE') THEN
           INSERT INTO unitcardstale (unit_id) SELECT u FROM (SELECT NEW.raised_by_unit_id AS u
             UNION SELECT NEW.lead_unit_id) AS s WHERE u IS NOT NULL;
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE FUNCTION unitcard_claim_changed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP IN ('UPDATE', 'DELETE') THEN
           INSERT INTO unitcardstale (unit_id) VALUES (OLD.unit_id);
         END IF;
         IF TG_OP IN ('INSERT', 'UPDATE') THEN
           INSERT INTO unitcardstale (unit_id) VALUES (NEW.unit_id);
         END IF;
         RETURN NULL;
       END $$""",
    "CREATE TRIGGER unitcard_item_insert_delete AFTER INSERT OR DELETE ON item "
    "FOR EACH ROW EXECUTE PROCEDURE unitcard_item_changed()",
    f"CREATE TRIGGER unitcard_item_update AFTER UPDATE OF {ITEM_COLUMNS} ON item "
    "FOR EACH ROW EXECUTE PROCEDURE unitcard_item_changed()",
    "CREATE TRIGGER unitcard_claim_insert_delete AFTER INSERT OR DELETE ON claim "
    "FOR EACH ROW EXECUTE PROCEDURE unitcard_claim_changed()",
    f"CREATE TRIGGER unitcard_claim_update AFTER UPDATE OF {CLAIM_COLUMNS} ON claim "
    "FOR EACH ROW EXECUTE PROCEDURE unitcard_claim_changed()",
]


def upgrade() -> None:
    op.create_table('unitcard',
                    sa.Column('unit_id', sa.Integer(), nullable=False),
                    sa.Column('council_id', sa.Integer(), nullable=False),
                    sa.Column('card', sa.JSON(), nullable=False),
                    sa.PrimaryKeyConstraint('unit_id'))
    op.create_index('ix_unitcard_council_id', 'unitcard', ['council_id'])
    op.create_table('unitcardstale',
                    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True,
                              nullable=False),
                    sa.Column('unit_id', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('id'),
                    sqlite_autoincrement=True)
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRES:
        op.execute(statement)
    # no card is kept yet: every unit's is computed by the first report
    op.execute("INSERT INTO unitcardstale (unit_id) SELECT id FROM unit")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("item_insert", "item_update", "item_delete", "claim_insert", "claim_update", "claim_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS unitcard_{name}")
    else:
        for name, table in (("item_insert_delete", "item"), ("item_update", "item"),
                            ("claim_insert_delete", "claim"), ("claim_update", "claim")):
            op.execute(f"DROP TRIGGER IF EXISTS unitcard_{name} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS unitcard_item_changed()")
        op.execute("DROP FUNCTION IF EXISTS unitcard_claim_changed()")
    op.drop_table('unitcardstale')
    op.drop_index('ix_unitcard_council_id', table_name='unitcard')
    op.drop_table('unitcard')
