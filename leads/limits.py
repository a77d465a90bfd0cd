"""Size limits every stage shares, each defined once. Input past a limit is an error or
an attack, not an ad: it is cut or refused with a record of it, never allowed to take a
neighbouring record down with it."""

# Text a document may carry and extraction reads: longer texts are cut there (offsets of
# what is kept stay exact), posts longer than this are refused.
MAX_TEXT_CHARS = 100_000
# Elasticsearch refuses an _id over 512 bytes (and with it, the whole bulk request).
MAX_ID_BYTES = 512
# One JSON Lines record; a longer line is refused, read in bounded pieces.
MAX_LINE_BYTES = 5 * 1024 * 1024
# What a dead letter keeps of the record's id, the reason and the refused record.
MAX_RECORD_ID_CHARS = 2_000
MAX_REASON_CHARS = 2_000
MAX_PAYLOAD_CHARS = 10_000
# A bulk request is cut at this many bytes whatever the document count.
MAX_BULK_BYTES = 8 * 1024 * 1024
