//! The statuses and kinds the database stores as text, as closed enums: one place that says
//! which values a column may hold, so a misspelt status is a compile error instead of a query
//! that silently matches nothing. Each value has one spelling (`as_str`, the text stored and the
//! tail of its locale key); reading any other text back is an error ([`UnknownValue`]), never a
//! default. The database mapping lives in `db::types`; these types know nothing of diesel.

use std::fmt;

/// A text that is not one of an enum's values (a row written by something else, or a typo in a
/// query string).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a {of}")]
pub struct UnknownValue {
    /// The enum that was asked for.
    pub of: &'static str,
    pub value: String,
}

/// A closed set of values stored as text. `db::types` maps every implementor to a TEXT column
/// on both backends.
pub trait TextEnum: Sized + Copy + 'static {
    /// The type's name, for [`UnknownValue`].
    const NAME: &'static str;
    /// Every value, in the order the pages list them.
    const ALL: &'static [Self];
    /// The stored spelling.
    fn as_str(self) -> &'static str;
    /// The value spelt `s`, if any.
    fn from_text(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }
    /// The value spelt `s`, or an error naming the type and the text.
    fn parse_text(s: &str) -> Result<Self, UnknownValue> {
        Self::from_text(s).ok_or_else(|| UnknownValue {
            of: Self::NAME,
            value: s.to_owned(),
        })
    }
}

/// Defines a text enum: the variants with their spellings, [`TextEnum`], `as_str`/`parse`,
/// `FromStr`, `Display` and serde as the spelling.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in the order the pages list them.
            pub const ALL: &'static [$name] = &[$( $name::$variant, )+];

            /// The stored spelling.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }

            /// The value spelt `s`, if any.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $( $text => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl TextEnum for $name {
            const NAME: &'static str = stringify!($name);
            const ALL: &'static [$name] = $name::ALL;
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
            fn from_text(s: &str) -> Option<$name> {
                $name::parse(s)
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<$name, UnknownValue> {
                <$name as TextEnum>::parse_text(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                <$name as TextEnum>::parse_text(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

text_enum! {
    /// Who a user account is (`users.role`).
    pub enum Role {
        Owner = "owner",
        Agency = "agency",
        Regulator = "regulator",
        Admin = "admin",
    }
}

impl Role {
    /// Roles a person may choose at self-registration; staff accounts are made by an admin.
    pub fn self_registered(self) -> bool {
        matches!(self, Role::Owner | Role::Agency)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Role::Owner => "role.owner",
            Role::Agency => "role.agency",
            Role::Regulator => "role.regulator",
            Role::Admin => "role.admin",
        }
    }
}

text_enum! {
    /// Whether an account may sign in (`users.status`).
    pub enum UserStatus {
        Active = "active",
        /// Switched off by an admin; sessions end and sign-in is refused.
        Disabled = "disabled",
    }
}

text_enum! {
    /// Where a queued mail stands (`outbox.status`).
    pub enum MailStatus {
        Pending = "pending",
        Sent = "sent",
        /// Gave up after the last attempt.
        Failed = "failed",
    }
}

text_enum! {
    /// A catalogue item's state (`catalogue_items.status`).
    pub enum ItemStatus {
        /// Not yet published; only admins see it.
        Draft = "draft",
        /// 保留: in the catalogue, open to offers and announcements.
        Retained = "retained",
        /// 取消: withdrawn from the catalogue.
        Cancelled = "cancelled",
    }
}

text_enum! {
    /// What a catalogue adjustment did to an item (`catalogue_adjustments.kind`).
    pub enum AdjustmentKind {
        Add = "add",
        Modify = "modify",
        Cancel = "cancel",
    }
}

text_enum! {
    /// An agency's standing in the library (`agencies.status`).
    pub enum AgencyStatus {
        Active = "active",
        Suspended = "suspended",
        Banned = "banned",
        Deregistered = "deregistered",
    }
}

text_enum! {
    /// A regulator's decision on something an agency asked for: a certificate under review
    /// (`agency_certificates.status`) or a credit repair (`credit_repairs.status`).
    pub enum ReviewStatus {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
    }
}

text_enum! {
    /// How a blacklist listing ended before its time (`blacklist_entries.end_kind`).
    pub enum ListingEnd {
        /// An approved credit repair lifted it.
        Repaired = "repaired",
    }
}

text_enum! {
    /// Where an announcement stands in its selection (`announcements.status`).
    pub enum AnnouncementStatus {
        Draft = "draft",
        /// Open for registration and quotes until the deadline.
        Published = "published",
        /// Opened; the owner must choose (direct selection, or after a second 流标).
        Choosing = "choosing",
        /// Opened; abnormally low quotes wait for their justification.
        Justifying = "justifying",
        /// Result published: publicity, objections, then the winner confirms.
        Publicity = "publicity",
        /// 流标: too few valid responses.
        Failed = "failed",
        Awarded = "awarded",
        Cancelled = "cancelled",
        /// An upheld objection annulled the result; the owner re-runs it.
        Annulled = "annulled",
    }
}

impl AnnouncementStatus {
    /// Locale key of the state's name.
    pub fn label_key(self) -> String {
        format!("selection.status.{}", self.as_str())
    }
}

text_enum! {
    /// A sealed quote's state (`quotes.status`).
    pub enum QuoteStatus {
        Active = "active",
        Withdrawn = "withdrawn",
    }
}

text_enum! {
    /// What a quote receipt acknowledges (`quote_receipts.kind`).
    pub enum ReceiptKind {
        Submitted = "submitted",
        Revised = "revised",
        Withdrawn = "withdrawn",
        Reconfirmed = "reconfirmed",
    }
}

text_enum! {
    /// A model contract text version's state (`model_text_versions.status`).
    pub enum ModelTextStatus {
        Draft = "draft",
        Published = "published",
    }
}

text_enum! {
    /// Where a contract stands (`contracts.status`).
    pub enum ContractStatus {
        Draft = "draft",
        Signing = "signing",
        Signed = "signed",
        /// Not signed by the deadline.
        Lapsed = "lapsed",
        /// The owner accepted the deliverable.
        Accepted = "accepted",
    }
}

text_enum! {
    /// A contract party (`contract_signatures.party`).
    pub enum Party {
        Owner = "owner",
        Agency = "agency",
    }
}

text_enum! {
    /// The owner's decision on a deliverable (`contract_deliverables.decision`; none while it
    /// waits).
    pub enum DeliverableDecision {
        Accepted = "accepted",
        Returned = "returned",
    }
}

text_enum! {
    /// What a contract amendment changes (`contract_amendments.kind`).
    pub enum AmendmentKind {
        Extension = "extension",
        Price = "price",
    }
}

text_enum! {
    /// Where a contract amendment stands (`contract_amendments.status`).
    pub enum AmendmentStatus {
        Proposed = "proposed",
        Effective = "effective",
        Declined = "declined",
    }
}

text_enum! {
    /// Who rated a contract (`evaluations.rater_kind`).
    pub enum RaterKind {
        Owner = "owner",
        Department = "department",
    }
}

text_enum! {
    /// A regulator's decision on an evaluation appeal (`evaluations.appeal_decision`).
    pub enum AppealDecision {
        Upheld = "upheld",
        Dismissed = "dismissed",
    }
}

text_enum! {
    /// What a one-time token is for (`user_tokens.purpose`).
    pub enum TokenPurpose {
        VerifyEmail = "verify_email",
        ResetPassword = "reset_password",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: TextEnum + PartialEq + fmt::Debug + std::str::FromStr>() {
        for v in T::ALL {
            assert_eq!(T::from_text(v.as_str()), Some(*v));
            assert_eq!(T::parse_text(v.as_str()), Ok(*v));
        }
        let names: std::collections::BTreeSet<_> = T::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(
            names.len(),
            T::ALL.len(),
            "{} spells two values alike",
            T::NAME
        );
    }

    #[test]
    fn every_value_round_trips_through_its_text() {
        round_trips::<Role>();
        round_trips::<UserStatus>();
        round_trips::<MailStatus>();
        round_trips::<ItemStatus>();
        round_trips::<AdjustmentKind>();
        round_trips::<AgencyStatus>();
        round_trips::<ReviewStatus>();
        round_trips::<ListingEnd>();
        round_trips::<AnnouncementStatus>();
        round_trips::<QuoteStatus>();
        round_trips::<ReceiptKind>();
        round_trips::<ModelTextStatus>();
        round_trips::<ContractStatus>();
        round_trips::<Party>();
        round_trips::<DeliverableDecision>();
        round_trips::<AmendmentKind>();
        round_trips::<AmendmentStatus>();
        round_trips::<RaterKind>();
        round_trips::<AppealDecision>();
        round_trips::<TokenPurpose>();
    }

    #[test]
    fn unknown_text_is_an_error_naming_the_type() {
        let e = "Published".parse::<AnnouncementStatus>().unwrap_err();
        assert_eq!(e.of, "AnnouncementStatus");
        assert_eq!(e.value, "Published");
        assert!("".parse::<QuoteStatus>().is_err());
        assert!(serde_json::from_str::<ContractStatus>("\"void\"").is_err());
    }

    #[test]
    fn serde_uses_the_stored_spelling() {
        assert_eq!(
            serde_json::to_string(&AnnouncementStatus::Publicity).ok(),
            Some("\"publicity\"".to_owned())
        );
        assert_eq!(
            serde_json::from_str::<Role>("\"regulator\"").ok(),
            Some(Role::Regulator)
        );
        assert_eq!(ReceiptKind::Reconfirmed.to_string(), "reconfirmed");
    }
}
