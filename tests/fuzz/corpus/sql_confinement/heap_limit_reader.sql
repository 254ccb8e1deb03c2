--as read
PRAGMA hard_heap_limit=300000