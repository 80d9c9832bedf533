use crate::db::OneRow;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::schema::departments;

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = departments)]
pub struct Department {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub created_at: chrono::NaiveDateTime,
}

impl Department {
    pub fn name(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::Zh => &self.name_zh,
            crate::i18n::Lang::En => &self.name_en,
        }
    }
}

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Department>> {
    departments::table
        .order(departments::id)
        .select(Department::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Department>> {
    departments::table
        .find(id)
        .select(Department::as_select())
        .one(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    departments::table.count().get_result(conn)
}

pub fn insert(
    conn: &mut DbConnection,
    code: &str,
    name_zh: &str,
    name_en: &str,
) -> QueryResult<i64> {
    diesel::insert_into(departments::table)
        .values((
            departments::code.eq(code),
            departments::name_zh.eq(name_zh),
            departments::name_en.eq(name_en),
            departments::created_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    departments::table
        .filter(departments::code.eq(code))
        .select(departments::id)
        .first(conn)
}
