// One hand-written schema for both backends, using only portable column types
// (BigInt, Integer, Text, Bool, Timestamp, Nullable). Keep in step with both migration folders.

diesel::table! {
    departments (id) {
        id -> BigInt,
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        role -> Text,
        email -> Text,
        password_hash -> Text,
        org_name -> Text,
        uscc -> Nullable<Text>,
        contact_name -> Text,
        phone -> Text,
        department_id -> Nullable<BigInt>,
        status -> Text,
        email_verified_at -> Nullable<Timestamp>,
        locale -> Text,
        is_demo -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        ip -> Text,
        user_agent -> Text,
    }
}

diesel::table! {
    user_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> BigInt,
        email -> Text,
        ip -> Text,
        success -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        seq -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        actor_role -> Text,
        action -> Text,
        object_type -> Text,
        object_id -> Text,
        state_digest -> Text,
        detail -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    messages (id) {
        id -> BigInt,
        user_id -> BigInt,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        user_id -> Nullable<BigInt>,
        to_addr -> Text,
        subject -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_at -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
        updated_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    uploads (id) {
        id -> BigInt,
        owner_id -> BigInt,
        stored_name -> Text,
        original_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    catalogue_items (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        keywords -> Text,
        industry -> Text,
        approval_name -> Text,
        department_id -> BigInt,
        legal_basis -> Text,
        guide_basis -> Text,
        guide_scope -> Text,
        guide_object -> Text,
        guide_content -> Text,
        guide_method -> Text,
        guide_conclusion -> Text,
        time_limit_days -> Integer,
        pricing -> Text,
        price_min_fen -> Nullable<BigInt>,
        price_max_fen -> Nullable<BigInt>,
        fee_basis -> Text,
        payer -> Text,
        self_preparable -> Bool,
        regional_assessment -> Bool,
        status -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    catalogue_item_quals (id) {
        id -> BigInt,
        item_id -> BigInt,
        qual_type -> Text,
        min_level -> Integer,
    }
}

diesel::table! {
    catalogue_adjustments (id) {
        id -> BigInt,
        item_id -> BigInt,
        version -> Integer,
        kind -> Text,
        reason -> Text,
        basis -> Text,
        snapshot -> Text,
        actor_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    regional_assessments (id) {
        id -> BigInt,
        zone -> Text,
        item_id -> BigInt,
        title -> Text,
        upload_id -> Nullable<BigInt>,
        valid_until -> Date,
        recorded_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agencies (user_id) {
        user_id -> BigInt,
        name -> Text,
        uscc -> Text,
        legal_rep -> Text,
        address -> Text,
        region -> Text,
        contact_phone -> Text,
        affiliated -> Bool,
        affiliated_department_id -> Nullable<BigInt>,
        intro -> Text,
        status -> Text,
        grade -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        credit_score -> Nullable<Integer>,
        graded_at -> Nullable<Timestamp>,
        sanctioned -> Bool,
    }
}

diesel::table! {
    agency_versions (id) {
        id -> BigInt,
        agency_id -> BigInt,
        version -> Integer,
        snapshot -> Text,
        actor_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agency_managers (id) {
        id -> BigInt,
        agency_id -> BigInt,
        name -> Text,
        id_number -> Text,
        position -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agency_practitioners (id) {
        id -> BigInt,
        agency_id -> BigInt,
        name -> Text,
        cert_type -> Text,
        cert_number -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agency_items (id) {
        id -> BigInt,
        agency_id -> BigInt,
        item_id -> BigInt,
        fee_standard -> Text,
        fee_min_fen -> Nullable<BigInt>,
        fee_max_fen -> Nullable<BigInt>,
        committed_days -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agency_certificates (id) {
        id -> BigInt,
        agency_id -> BigInt,
        qual_type -> Text,
        level -> Integer,
        number -> Text,
        issuer -> Text,
        valid_from -> Date,
        valid_to -> Date,
        upload_id -> Nullable<BigInt>,
        status -> Text,
        review_due -> Date,
        review_reason -> Nullable<Text>,
        reviewed_by -> Nullable<BigInt>,
        reviewed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agency_search_grams (gram, agency_id) {
        gram -> Text,
        agency_id -> BigInt,
    }
}

diesel::table! {
    credit_rule_sets (id) {
        id -> BigInt,
        version -> Integer,
        body -> Text,
        note -> Text,
        published_by -> Nullable<BigInt>,
        published_at -> Timestamp,
    }
}

diesel::table! {
    credit_records (id) {
        id -> BigInt,
        agency_id -> BigInt,
        kind -> Text,
        points -> Integer,
        stars_x100 -> Nullable<Integer>,
        source -> Text,
        evidence -> Text,
        upload_id -> Nullable<BigInt>,
        legal_basis -> Text,
        department_id -> Nullable<BigInt>,
        recorded_by -> Nullable<BigInt>,
        effective_on -> Date,
        valid_until -> Date,
        revokes_id -> Nullable<BigInt>,
        ref_kind -> Nullable<Text>,
        ref_id -> Nullable<BigInt>,
        rule_version -> Integer,
        created_at -> Timestamp,
        evidence_i18n -> Nullable<Text>,
    }
}

diesel::table! {
    blacklist_entries (id) {
        id -> BigInt,
        agency_id -> BigInt,
        department_id -> BigInt,
        reason -> Text,
        legal_basis -> Text,
        starts_on -> Date,
        ends_on -> Date,
        record_id -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
        ended_on -> Nullable<Date>,
        end_kind -> Nullable<Text>,
    }
}

diesel::table! {
    market_bans (id) {
        id -> BigInt,
        agency_id -> BigInt,
        department_id -> BigInt,
        reason -> Text,
        legal_basis -> Text,
        starts_on -> Date,
        ends_on -> Date,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    banned_persons (id) {
        id -> BigInt,
        ban_id -> BigInt,
        name -> Text,
        id_number -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    credit_alerts (id) {
        id -> BigInt,
        department_id -> BigInt,
        agency_id -> BigInt,
        banned_person_id -> BigInt,
        manager_name -> Text,
        created_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    credit_repairs (id) {
        id -> BigInt,
        blacklist_id -> BigInt,
        agency_id -> BigInt,
        evidence -> Text,
        upload_id -> Nullable<BigInt>,
        status -> Text,
        decision_reason -> Nullable<Text>,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    job_runs (name, run_on) {
        name -> Text,
        run_on -> Date,
        instance -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    calendar_days (day) {
        day -> Date,
        kind -> Text,
        name -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(users -> departments (department_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(user_tokens -> users (user_id));
diesel::joinable!(messages -> users (user_id));
diesel::joinable!(catalogue_items -> departments (department_id));
diesel::joinable!(catalogue_item_quals -> catalogue_items (item_id));
diesel::joinable!(catalogue_adjustments -> catalogue_items (item_id));
diesel::joinable!(regional_assessments -> catalogue_items (item_id));
diesel::joinable!(agencies -> users (user_id));
diesel::joinable!(agency_items -> catalogue_items (item_id));
diesel::joinable!(agency_items -> agencies (agency_id));
diesel::joinable!(agency_certificates -> agencies (agency_id));
diesel::joinable!(agency_managers -> agencies (agency_id));
diesel::joinable!(agency_practitioners -> agencies (agency_id));
diesel::joinable!(agency_search_grams -> agencies (agency_id));
diesel::joinable!(credit_records -> agencies (agency_id));
diesel::joinable!(blacklist_entries -> agencies (agency_id));
diesel::joinable!(market_bans -> agencies (agency_id));
diesel::joinable!(banned_persons -> market_bans (ban_id));
diesel::joinable!(credit_alerts -> agencies (agency_id));
diesel::joinable!(credit_alerts -> banned_persons (banned_person_id));
diesel::joinable!(credit_repairs -> blacklist_entries (blacklist_id));
diesel::joinable!(calendar_days -> users (created_by));

diesel::table! {
    projects (id) {
        id -> BigInt,
        owner_id -> BigInt,
        name -> Text,
        code -> Text,
        region -> Text,
        fiscal_funds -> Bool,
        total_investment_fen -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        department_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    announcements (id) {
        id -> BigInt,
        project_id -> BigInt,
        owner_id -> BigInt,
        item_id -> BigInt,
        previous_id -> Nullable<BigInt>,
        round -> Integer,
        earlier_failures -> Integer,
        scope -> Text,
        time_limit_days -> Integer,
        cap_fen -> Nullable<BigInt>,
        mode -> Text,
        deadline -> Timestamp,
        min_grade -> Nullable<Text>,
        complaint_phone -> Text,
        witness -> Text,
        weight_price -> Nullable<Integer>,
        weight_credit -> Nullable<Integer>,
        weight_qual -> Nullable<Integer>,
        status -> Text,
        version -> Integer,
        seed_sealed -> Nullable<Text>,
        seed_commitment -> Nullable<Text>,
        published_at -> Nullable<Timestamp>,
        cancel_reason -> Nullable<Text>,
        cancelled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        owner_department_id -> Nullable<BigInt>,
        time_limit_reason -> Text,
        regional_exception -> Text,
        regional_exception_reason -> Text,
    }
}

diesel::table! {
    announcement_results (announcement_id) {
        announcement_id -> BigInt,
        opened_at -> Timestamp,
        opened_by -> Text,
        seed_revealed -> Text,
        outcome -> Nullable<Text>,
        winner_id -> Nullable<BigInt>,
        winner_amount_fen -> Nullable<BigInt>,
        winner_rank -> Nullable<Integer>,
        justify_by -> Nullable<Date>,
        publicity_ends -> Nullable<Date>,
        confirm_by -> Nullable<Date>,
        told_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    announcement_avoided (announcement_id, agency_id) {
        announcement_id -> BigInt,
        agency_id -> BigInt,
    }
}

diesel::table! {
    registrations (id) {
        id -> BigInt,
        announcement_id -> BigInt,
        agency_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    quotes (id) {
        id -> BigInt,
        announcement_id -> BigInt,
        agency_id -> BigInt,
        status -> Text,
        sealed -> Text,
        commitment -> Text,
        announcement_version -> Integer,
        revision -> Integer,
        submitted_at -> Timestamp,
        client_addr -> Text,
        low_flag -> Bool,
        justification -> Nullable<Text>,
        justified_at -> Nullable<Timestamp>,
        justification_ok -> Nullable<Bool>,
    }
}

diesel::table! {
    quote_openings (quote_id) {
        quote_id -> BigInt,
        amount_fen -> BigInt,
        nonce -> Text,
        note -> Text,
    }
}

diesel::table! {
    quote_receipts (id) {
        id -> BigInt,
        announcement_id -> BigInt,
        agency_id -> BigInt,
        kind -> Text,
        commitment -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    objections (id) {
        id -> BigInt,
        announcement_id -> BigInt,
        agency_id -> BigInt,
        grounds -> Text,
        filed_at -> Timestamp,
        answer_due -> Date,
        answer -> Nullable<Text>,
        upheld -> Nullable<Bool>,
        answered_at -> Nullable<Timestamp>,
        answered_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    awards (announcement_id) {
        announcement_id -> BigInt,
        agency_id -> BigInt,
        amount_fen -> Nullable<BigInt>,
        confirmed_at -> Timestamp,
        confirmed_by -> BigInt,
    }
}

diesel::table! {
    model_texts (id) {
        id -> BigInt,
        industry -> Text,
        title -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    model_text_versions (id) {
        id -> BigInt,
        model_text_id -> BigInt,
        version -> Integer,
        body -> Text,
        note -> Text,
        status -> Text,
        created_by -> Nullable<BigInt>,
        published_at -> Nullable<Timestamp>,
        published_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    contracts (id) {
        id -> BigInt,
        announcement_id -> BigInt,
        owner_id -> BigInt,
        agency_id -> BigInt,
        item_id -> BigInt,
        model_text_version_id -> BigInt,
        price_limit_fen -> BigInt,
        price_fen -> BigInt,
        time_limit_days -> Integer,
        status -> Text,
        sign_by -> Date,
        signed_at -> Nullable<Timestamp>,
        accepted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        owner_department_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    contract_terms (contract_id) {
        contract_id -> BigInt,
        fields -> Text,
        supplementary -> Text,
        revision -> Integer,
        reminded_on -> Nullable<Date>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    contract_signatures (id) {
        id -> BigInt,
        contract_id -> BigInt,
        party -> Text,
        signer_id -> BigInt,
        revision -> Integer,
        digest -> Text,
        signed_at -> Timestamp,
    }
}

diesel::table! {
    contract_deliverables (id) {
        id -> BigInt,
        contract_id -> BigInt,
        upload_id -> BigInt,
        note -> Text,
        submitted_by -> BigInt,
        submitted_at -> Timestamp,
        decision -> Nullable<Text>,
        reason -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    contract_amendments (id) {
        id -> BigInt,
        contract_id -> BigInt,
        kind -> Text,
        extra_days -> Nullable<Integer>,
        new_price_fen -> Nullable<BigInt>,
        reason -> Text,
        status -> Text,
        proposed_by -> BigInt,
        proposed_at -> Timestamp,
        owner_signed_at -> Nullable<Timestamp>,
        agency_signed_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    contract_payments (id) {
        id -> BigInt,
        contract_id -> BigInt,
        paid_on -> Date,
        amount_fen -> BigInt,
        recorded_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    contract_reminders (contract_id, kind) {
        contract_id -> BigInt,
        kind -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    evaluations (id) {
        id -> BigInt,
        contract_id -> BigInt,
        agency_id -> BigInt,
        rater_kind -> Text,
        rater_id -> BigInt,
        quality -> Integer,
        timeliness -> Integer,
        attitude -> Integer,
        fees -> Integer,
        conduct -> Integer,
        comment -> Text,
        rated_at -> Timestamp,
        revised_at -> Nullable<Timestamp>,
        credit_record_id -> Nullable<BigInt>,
        reply -> Nullable<Text>,
        replied_at -> Nullable<Timestamp>,
        appeal -> Nullable<Text>,
        appealed_at -> Nullable<Timestamp>,
        appeal_decision -> Nullable<Text>,
        appeal_answer -> Nullable<Text>,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(announcements -> projects (project_id));
diesel::joinable!(announcements -> catalogue_items (item_id));
diesel::joinable!(announcement_results -> announcements (announcement_id));
diesel::joinable!(registrations -> announcements (announcement_id));
diesel::joinable!(quotes -> announcements (announcement_id));
diesel::joinable!(quote_openings -> quotes (quote_id));
diesel::joinable!(objections -> announcements (announcement_id));
diesel::joinable!(registrations -> agencies (agency_id));
diesel::joinable!(quotes -> agencies (agency_id));
diesel::joinable!(model_text_versions -> model_texts (model_text_id));
diesel::joinable!(contract_terms -> contracts (contract_id));
diesel::joinable!(contract_deliverables -> contracts (contract_id));
diesel::joinable!(contract_amendments -> contracts (contract_id));
diesel::joinable!(contract_payments -> contracts (contract_id));
diesel::joinable!(evaluations -> contracts (contract_id));

// Every item an agency has offered, kept after it is withdrawn (kept by triggers).
diesel::table! {
    agency_offer_history (id) {
        id -> BigInt,
        agency_id -> BigInt,
        item_id -> BigInt,
        offered_from -> Timestamp,
        offered_until -> Nullable<Timestamp>,
    }
}

diesel::joinable!(agency_offer_history -> catalogue_items (item_id));

// The fingerprint of the key that seals this database's rows (one row at most).
diesel::table! {
    sealing_key (id) {
        id -> Integer,
        fingerprint -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    platform_clock (id) {
        id -> Integer,
        demo -> Bool,
        offset_seconds -> BigInt,
        flagged_at -> Nullable<Timestamp>,
        moved_at -> Nullable<Timestamp>,
        moved_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    review_escalations (certificate_id) {
        certificate_id -> BigInt,
        department_id -> BigInt,
        review_due -> Date,
        recipients -> Integer,
        escalated_at -> Timestamp,
    }
}

diesel::joinable!(review_escalations -> agency_certificates (certificate_id));
diesel::joinable!(review_escalations -> departments (department_id));

diesel::allow_tables_to_appear_in_same_query!(
    departments,
    quote_openings,
    users,
    sessions,
    user_tokens,
    login_attempts,
    audit_log,
    messages,
    outbox,
    settings,
    uploads,
    catalogue_items,
    catalogue_item_quals,
    catalogue_adjustments,
    regional_assessments,
    agencies,
    agency_versions,
    agency_managers,
    agency_practitioners,
    agency_items,
    agency_certificates,
    agency_search_grams,
    credit_rule_sets,
    credit_records,
    blacklist_entries,
    market_bans,
    banned_persons,
    credit_alerts,
    credit_repairs,
    job_runs,
    calendar_days,
    projects,
    announcements,
    announcement_results,
    announcement_avoided,
    registrations,
    quotes,
    quote_receipts,
    objections,
    awards,
    contracts,
    model_texts,
    model_text_versions,
    contract_terms,
    contract_signatures,
    contract_deliverables,
    contract_amendments,
    contract_payments,
    contract_reminders,
    evaluations,
    agency_offer_history,
    self_preparations,
    platform_clock,
    review_escalations,
    complaints,
    complaint_decisions,
    complaint_events,
    complaint_evidence,
    complaint_pending,
);

diesel::table! {
    self_preparations (id) {
        id -> BigInt,
        project_id -> BigInt,
        item_id -> BigInt,
        note -> Text,
        declared_by -> BigInt,
        declared_at -> Timestamp,
        withdrawn_by -> Nullable<BigInt>,
        withdrawn_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(self_preparations -> projects (project_id));
diesel::joinable!(self_preparations -> catalogue_items (item_id));

// ---- inspections (双随机、一公开), migration 2026-12-03-000018_inspections
diesel::table! {
    inspectors (id) {
        id -> BigInt,
        department_id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        badge_no -> Text,
        active -> Bool,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    inspection_tasks (id) {
        id -> BigInt,
        department_id -> BigInt,
        title -> Text,
        scope -> Text,
        rate_pct -> Integer,
        inspectors_per_agency -> Integer,
        window_start -> Date,
        window_end -> Date,
        status -> Text,
        population_size -> Nullable<Integer>,
        population_hash -> Nullable<Text>,
        sample_size -> Nullable<Integer>,
        seed_commitment -> Nullable<Text>,
        seed_sealed -> Nullable<Text>,
        seed_revealed -> Nullable<Text>,
        agency_proof -> Nullable<Text>,
        publish_due -> Nullable<Date>,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        drawn_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    inspection_population (task_id, agency_id) {
        task_id -> BigInt,
        agency_id -> BigInt,
    }
}

diesel::table! {
    inspection_targets (id) {
        id -> BigInt,
        task_id -> BigInt,
        agency_id -> BigInt,
        draw_rank -> Integer,
        inspector_proof -> Text,
        result -> Nullable<Text>,
        findings -> Text,
        rectify_by -> Nullable<Date>,
        penalty -> Text,
        recorded_by -> Nullable<BigInt>,
        recorded_at -> Nullable<Timestamp>,
        credit_record_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    inspection_assignments (id) {
        id -> BigInt,
        target_id -> BigInt,
        inspector_id -> BigInt,
        user_id -> BigInt,
        draw_pos -> Integer,
        recused_reason -> Nullable<Text>,
        recused_at -> Nullable<Timestamp>,
        replaced_by -> Nullable<BigInt>,
    }
}

diesel::joinable!(inspectors -> departments (department_id));
diesel::joinable!(inspection_tasks -> departments (department_id));
diesel::joinable!(inspection_population -> inspection_tasks (task_id));
diesel::joinable!(inspection_targets -> inspection_tasks (task_id));
diesel::joinable!(inspection_targets -> agencies (agency_id));
diesel::joinable!(inspection_assignments -> inspection_targets (target_id));
diesel::joinable!(inspection_assignments -> inspectors (inspector_id));
diesel::allow_tables_to_appear_in_same_query!(
    inspectors,
    inspection_tasks,
    inspection_population,
    inspection_targets,
    inspection_assignments,
);
diesel::allow_tables_to_appear_in_same_query!(inspectors, departments);
diesel::allow_tables_to_appear_in_same_query!(inspectors, users);
diesel::allow_tables_to_appear_in_same_query!(inspectors, agencies);
diesel::allow_tables_to_appear_in_same_query!(inspectors, agency_items);
diesel::allow_tables_to_appear_in_same_query!(inspectors, agency_certificates);
diesel::allow_tables_to_appear_in_same_query!(inspectors, credit_records);
diesel::allow_tables_to_appear_in_same_query!(inspection_tasks, departments);
diesel::allow_tables_to_appear_in_same_query!(inspection_tasks, users);
diesel::allow_tables_to_appear_in_same_query!(inspection_tasks, agencies);
diesel::allow_tables_to_appear_in_same_query!(inspection_tasks, agency_items);
diesel::allow_tables_to_appear_in_same_query!(inspection_tasks, agency_certificates);
diesel::allow_tables_to_appear_in_same_query!(inspection_tasks, credit_records);
diesel::allow_tables_to_appear_in_same_query!(inspection_population, departments);
diesel::allow_tables_to_appear_in_same_query!(inspection_population, users);
diesel::allow_tables_to_appear_in_same_query!(inspection_population, agencies);
diesel::allow_tables_to_appear_in_same_query!(inspection_population, agency_items);
diesel::allow_tables_to_appear_in_same_query!(inspection_population, agency_certificates);
diesel::allow_tables_to_appear_in_same_query!(inspection_population, credit_records);
diesel::allow_tables_to_appear_in_same_query!(inspection_targets, departments);
diesel::allow_tables_to_appear_in_same_query!(inspection_targets, users);
diesel::allow_tables_to_appear_in_same_query!(inspection_targets, agencies);
diesel::allow_tables_to_appear_in_same_query!(inspection_targets, agency_items);
diesel::allow_tables_to_appear_in_same_query!(inspection_targets, agency_certificates);
diesel::allow_tables_to_appear_in_same_query!(inspection_targets, credit_records);
diesel::allow_tables_to_appear_in_same_query!(inspection_assignments, departments);
diesel::allow_tables_to_appear_in_same_query!(inspection_assignments, users);
diesel::allow_tables_to_appear_in_same_query!(inspection_assignments, agencies);
diesel::allow_tables_to_appear_in_same_query!(inspection_assignments, agency_items);
diesel::allow_tables_to_appear_in_same_query!(inspection_assignments, agency_certificates);
diesel::allow_tables_to_appear_in_same_query!(inspection_assignments, credit_records);

diesel::table! {
    complaints (id) {
        id -> BigInt,
        tracking_no -> Text,
        respondent_kind -> Text,
        respondent_id -> BigInt,
        respondent_user_id -> Nullable<BigInt>,
        respondent_name -> Text,
        grounds -> Text,
        facts -> Text,
        request -> Text,
        complainant_id -> Nullable<BigInt>,
        visitor_name -> Nullable<Text>,
        visitor_email -> Nullable<Text>,
        visitor_phone -> Nullable<Text>,
        access_hash -> Nullable<Text>,
        filed_ip -> Text,
        department_id -> BigInt,
        state -> Text,
        filed_at -> Timestamp,
        ack_due -> Date,
        answer_due -> Nullable<Date>,
        review_due -> Nullable<Date>,
        duplicate_of -> Nullable<BigInt>,
        credit_record_id -> Nullable<BigInt>,
        reminded_on -> Nullable<Date>,
    }
}

diesel::table! {
    complaint_decisions (complaint_id) {
        complaint_id -> BigInt,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<BigInt>,
        not_accepted_reason -> Nullable<Text>,
        extension_reason -> Nullable<Text>,
        outcome -> Nullable<Text>,
        outcome_reasons -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        answered_by -> Nullable<BigInt>,
        review_reason -> Nullable<Text>,
        review_requested_at -> Nullable<Timestamp>,
        review_outcome -> Nullable<Text>,
        review_reasons -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        reviewed_by -> Nullable<BigInt>,
        respondent_answer -> Nullable<Text>,
        respondent_answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    complaint_events (id) {
        id -> BigInt,
        complaint_id -> BigInt,
        kind -> Text,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        from_department_id -> Nullable<BigInt>,
        to_department_id -> Nullable<BigInt>,
        note -> Text,
    }
}

diesel::table! {
    complaint_evidence (id) {
        id -> BigInt,
        complaint_id -> BigInt,
        stored_name -> Text,
        original_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        added_at -> Timestamp,
    }
}

diesel::table! {
    complaint_pending (id) {
        id -> BigInt,
        token_hash -> Text,
        email -> Text,
        filed_ip -> Text,
        payload -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        complaint_id -> Nullable<BigInt>,
    }
}

diesel::joinable!(complaints -> departments (department_id));
diesel::joinable!(complaint_decisions -> complaints (complaint_id));
diesel::joinable!(complaint_events -> complaints (complaint_id));
diesel::joinable!(complaint_evidence -> complaints (complaint_id));
