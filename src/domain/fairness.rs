//! 公平竞争 screen: free text of an announcement may not restrict region, ownership, size or
//! name an agency. Owned by the publication work.
