"""The read side: completion numbers and rankings, rows as dicts, documents, the ledger export,
the calendar feed, health. Reads only: nothing here changes data through a use case."""
