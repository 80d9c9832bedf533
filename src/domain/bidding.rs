//! Which of its quote steps an agency may take on an announcement right now: register, quote
//! (or revise), withdraw, re-confirm. The bid page offers a form only for a step this allows,
//! and each write refuses a step this refuses, with the same first reason, so a page never
//! offers what its POST would turn down (a blacklisted agency sees no revise or withdraw form).

/// What the steps depend on, read with the page or inside the write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BidState {
    /// Still open for registration and quotes (before the deadline, published).
    pub open: bool,
    /// The mode takes quotes (random draw and direct selection take registrations only).
    pub takes_quotes: bool,
    pub registered: bool,
    /// Passes every eligibility rule today (`domain::eligibility::check`): not blacklisted,
    /// not banned, qualified, not affiliated, not avoided, grade.
    pub eligible: bool,
    /// The agency's quote, if it has one.
    pub quote: Option<QuoteState>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuoteState {
    pub active: bool,
    /// Made against an older version of the announcement (counts only once re-confirmed).
    pub stale: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Register,
    Quote,
    Withdraw,
    Reconfirm,
}

/// Why a step is not possible, in the order the rules are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// Past the deadline, or not (any longer) published.
    Closed,
    /// The mode takes no quotes.
    NoQuotes,
    /// Not registered (quoting needs a registration).
    NotRegistered,
    /// Fails an eligibility rule: may not register, quote or touch its quote.
    Ineligible,
    /// No active quote to withdraw, or none that needs re-confirming.
    NoQuote,
}

/// The first rule `step` fails, if any.
pub fn check(s: &BidState, step: Step) -> Result<(), Why> {
    if !s.open {
        return Err(Why::Closed);
    }
    if step != Step::Register && !s.takes_quotes {
        return Err(Why::NoQuotes);
    }
    if step == Step::Quote && !s.registered {
        return Err(Why::NotRegistered);
    }
    if !s.eligible {
        return Err(Why::Ineligible);
    }
    let active = s.quote.is_some_and(|q| q.active);
    match step {
        Step::Withdraw if !active => Err(Why::NoQuote),
        Step::Reconfirm if !(active && s.quote.is_some_and(|q| q.stale)) => Err(Why::NoQuote),
        _ => Ok(()),
    }
}

/// The forms the bid page shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Offered {
    pub register: bool,
    pub quote: bool,
    pub withdraw: bool,
    pub reconfirm: bool,
}

pub fn offered(s: &BidState) -> Offered {
    let ok = |step| check(s, step).is_ok();
    Offered {
        // Registering twice is harmless, but there is no button for it.
        register: !s.registered && ok(Step::Register),
        quote: ok(Step::Quote),
        withdraw: ok(Step::Withdraw),
        reconfirm: ok(Step::Reconfirm),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted() -> BidState {
        BidState {
            open: true,
            takes_quotes: true,
            registered: true,
            eligible: true,
            quote: Some(QuoteState {
                active: true,
                stale: false,
            }),
        }
    }

    #[test]
    fn an_eligible_registered_agency_may_revise_and_withdraw() {
        let o = offered(&quoted());
        assert!(o.quote && o.withdraw && !o.reconfirm && !o.register);
    }

    #[test]
    fn an_ineligible_agency_is_offered_nothing_and_refused_every_step() {
        // Blacklisted or banned after it quoted: its quote stays as it is.
        let s = BidState {
            eligible: false,
            quote: Some(QuoteState {
                active: true,
                stale: true,
            }),
            ..quoted()
        };
        assert_eq!(offered(&s), Offered::default());
        for step in [Step::Quote, Step::Withdraw, Step::Reconfirm] {
            assert_eq!(check(&s, step), Err(Why::Ineligible), "{step:?}");
        }
        let fresh = BidState {
            registered: false,
            quote: None,
            ..s
        };
        assert_eq!(check(&fresh, Step::Register), Err(Why::Ineligible));
        assert!(!offered(&fresh).register);
    }

    #[test]
    fn closed_comes_first_then_the_mode_then_registration() {
        let closed = BidState {
            open: false,
            eligible: false,
            ..quoted()
        };
        assert_eq!(check(&closed, Step::Quote), Err(Why::Closed));
        let draw = BidState {
            takes_quotes: false,
            registered: false,
            quote: None,
            ..quoted()
        };
        assert_eq!(check(&draw, Step::Quote), Err(Why::NoQuotes));
        assert_eq!(check(&draw, Step::Register), Ok(()));
        assert!(offered(&draw).register && !offered(&draw).quote);
        let unregistered = BidState {
            registered: false,
            eligible: false,
            quote: None,
            ..quoted()
        };
        assert_eq!(check(&unregistered, Step::Quote), Err(Why::NotRegistered));
    }

    #[test]
    fn withdraw_and_reconfirm_need_the_right_quote() {
        let none = BidState {
            quote: None,
            ..quoted()
        };
        assert_eq!(check(&none, Step::Withdraw), Err(Why::NoQuote));
        let withdrawn = BidState {
            quote: Some(QuoteState {
                active: false,
                stale: true,
            }),
            ..quoted()
        };
        assert_eq!(check(&withdrawn, Step::Withdraw), Err(Why::NoQuote));
        assert_eq!(check(&withdrawn, Step::Reconfirm), Err(Why::NoQuote));
        assert_eq!(check(&quoted(), Step::Reconfirm), Err(Why::NoQuote));
        let stale = BidState {
            quote: Some(QuoteState {
                active: true,
                stale: true,
            }),
            ..quoted()
        };
        assert!(offered(&stale).reconfirm);
    }
}
