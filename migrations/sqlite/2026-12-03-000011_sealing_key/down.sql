DROP TRIGGER agency_items_withdrawn;
DROP TRIGGER agency_items_offered;
DROP TABLE agency_offer_history;
DROP TABLE sealing_key;
