import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from fund.fulltext import include_object

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")


def get_engine():
    return current_app.extensions["migrate"].db.engine


def get_engine_url():
    return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")


config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def _dangling(connection) -> dict[tuple[str, str], int]:
    """SQLite's rows whose foreign key points at nothing, counted by table and parent table
    (older databases may hold some: SQLite enforced no foreign key before they were on)."""
    counts: dict[tuple[str, str], int] = {}
    for table, _rowid, parent, _fk in connection.exec_driver_sql("PRAGMA foreign_key_check"):
        counts[(table, parent)] = counts.get((table, parent), 0) + 1
    return counts


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=get_metadata(),
        literal_binds=True,
        include_object=include_object,
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives
    # The full-text search's own tables and index are not in the models (fund/fulltext.py).
    conf_args.setdefault("include_object", include_object)

    connectable = get_engine()

    with connectable.connect() as connection:
        # On SQLite a batch change copies a table and drops the old one: with foreign keys on,
        # the drop would fail or cascade. They are off while the migrations run, checked
        # after, and on again before the connection goes back to the pool.
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            before = _dangling(connection)
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            connection.commit()  # ends the transaction the statements began: Alembic begins its own
        try:
            context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)

            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                after = _dangling(connection)
                made = {key: n for key, n in after.items() if n > before.get(key, 0)}
                if made:
                    raise RuntimeError(f"the migrations left rows pointing at nothing: {made}")
                if after:
                    logger.warning("Rows pointing at nothing (table, parent: rows): %s", after)
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys = ON")
                connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
