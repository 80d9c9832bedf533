DROP TRIGGER agency_items_history ON agency_items;
DROP FUNCTION agency_items_history();
DROP TABLE agency_offer_history;
DROP FUNCTION agency_offer_history_kept();
DROP TABLE sealing_key;
