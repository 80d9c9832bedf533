DROP TABLE sealing_key;
