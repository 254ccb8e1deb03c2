--as read
INSERT INTO users (name) VALUES ('x'); DROP TABLE posts