/// The account forms: registration, staff contact, department.
pub mod accounts;
/// Agency library rules: offers, certificates, review due dates, which certificates count.
pub mod agency_rules;
/// Hash chain of the audit trail.
pub mod audit_chain;
/// Which quote steps an agency may take now (register, quote, withdraw, re-confirm): one
/// answer for the bid page's forms and the writes.
pub mod bidding;
/// Vocabulary of the catalogue and agency library (industries, pricing, qualifications, regions).
pub mod catalogue;
/// Rules of the catalogue: item and adjustment validation, filters, regional-assessment cover.
pub mod catalogue_rules;
/// Collusion signals among the bidders of one announcement.
pub mod collusion;
/// Complaints 投诉举报: grounds, routing, deadlines, states, review window, abuse limits.
pub mod complaints;
/// Model contract texts: body syntax, fill-in fields, rendering and digest, the owner's edit,
/// signing, version diff.
pub mod contract_text;
/// Credit library: record kinds, scoring rules, score, periods, restrictions.
pub mod credit;
/// Verifiable draws: seed commitment, draw input, unbiased picks, proofs.
pub mod draw;
/// Who may take part in a selection: the eligibility rules, in one place.
pub mod eligibility;
/// Evaluation 好差评: stars, windows, averages.
pub mod evaluation;
/// Open-data downloads: formats, page sizes, cursors, paging a list in memory.
pub mod export;
/// The exposure record 曝光台: kinds, filters, keyset cursor, states.
pub mod exposure;
/// 公平竞争 screen of announcement free text.
pub mod fairness;
/// Fulfilment: service timer, overrun, payments, amendments, 履约率, service-time figure.
pub mod fulfilment;
/// Resident ID number (GB 11643-1999) parsing and demo generation.
pub mod idcard;
/// Random inspections 双随机、一公开: sample size, population hash, the draws, recusal, deadlines.
pub mod inspection;
/// The public agency list: filters, sorts, keyset cursors, CSV fields.
pub mod listing;
/// Masking of ID numbers, phones and e-mails on public pages.
pub mod mask;
/// Money as integer fen, parsing and display of yuan amounts.
pub mod money;
/// Open Contracting Data Standard 1.1: an announcement's releases, records, the feed's rules.
pub mod ocds;
/// The published datasets: keys, pages, fields.
pub mod opendata;
/// The selection outcome as stored: a typed, versioned JSON written at opening and read back.
pub mod outcome;
/// Password policy: length, common-password list, not the e-mail.
pub mod password;
/// Publication rules of announcements: checks before publishing, allowed changes.
pub mod publication;
/// The rehearsal clock of a demo database: how far a step moves it.
pub mod rehearsal;
/// Sealed quotes and the sealed draw seed: authenticated encryption and receipt commitments.
pub mod seal;
/// Character and pair grams for Chinese name search.
pub mod search;
/// The selection modes, quote checks, abnormally-low flag and 流标 rule.
pub mod selection;
/// Price and conduct signals for regulators (明码标价, prices far above the median, owners
/// who lapse or pay late).
pub mod signals;
/// The figures of `/stats`: counts per month, medians, shares (pure, over plain rows).
pub mod stats;
/// Statuses and kinds stored as text: closed enums with one spelling each.
pub mod status;
/// Login throttling rule.
pub mod throttle;
/// Unified social credit code (GB 32100-2015) parsing and demo generation.
pub mod uscc;
/// Small form-field validators (e-mail, phone, text, names).
pub mod validate;
/// Working days from the calendar (weekends, holidays, make-up days).
pub mod workdays;
