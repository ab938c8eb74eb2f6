// Kept in step with migrations/ by hand (no diesel CLI in the build); every table here is
// exercised by the black-box tests, which fail on any column that does not match.

diesel::table! {
    grids (id) {
        id -> Int8,
        code -> Text,
        name -> Text,
        level -> Int2,
        parent_id -> Nullable<Int8>,
        path -> Text,
        boundary -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    households (id) {
        id -> Int8,
        grid_id -> Int8,
        building -> Text,
        unit -> Text,
        room -> Text,
        contact_name -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        binding_code -> Nullable<Text>,
    }
}

diesel::table! {
    shops (id) {
        id -> Int8,
        grid_id -> Int8,
        name -> Text,
        address -> Text,
        accepts_points -> Bool,
        contact_phone -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    staff (id) {
        id -> Int8,
        username -> Text,
        display_name -> Text,
        email -> Nullable<Text>,
        role -> Text,
        department -> Nullable<Text>,
        shop_id -> Nullable<Int8>,
        password_hash -> Text,
        active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        sessions_valid_after -> Timestamptz,
    }
}

diesel::table! {
    staff_grids (staff_id, grid_id) {
        staff_id -> Int8,
        grid_id -> Int8,
    }
}

diesel::table! {
    codes (id) {
        id -> Int8,
        token -> Text,
        check_code -> Text,
        household_id -> Nullable<Int8>,
        shop_id -> Nullable<Int8>,
        kind -> Text,
        status -> Text,
        issued_at -> Timestamptz,
        issued_by -> Nullable<Int8>,
        revoked_at -> Nullable<Timestamptz>,
        revoked_by -> Nullable<Int8>,
        revoke_reason -> Nullable<Text>,
    }
}

diesel::table! {
    news (id) {
        id -> Int8,
        title -> Text,
        body -> Text,
        published_by -> Nullable<Int8>,
        published_at -> Timestamptz,
        withdrawn_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    news_grids (news_id, grid_id) {
        news_id -> Int8,
        grid_id -> Int8,
    }
}

diesel::table! {
    import_batches (id) {
        id -> Int8,
        kind -> Text,
        file_name -> Text,
        file_sha256 -> Text,
        source -> Text,
        staff_id -> Nullable<Int8>,
        rows_total -> Int4,
        inserted -> Int4,
        updated -> Int4,
        unchanged -> Int4,
        skipped -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Int8,
        at -> Timestamptz,
        staff_id -> Nullable<Int8>,
        action -> Text,
        subject_type -> Text,
        subject_id -> Int8,
        detail -> Jsonb,
    }
}

diesel::joinable!(households -> grids (grid_id));
diesel::joinable!(shops -> grids (grid_id));
diesel::joinable!(staff_grids -> grids (grid_id));
diesel::joinable!(staff_grids -> staff (staff_id));
diesel::joinable!(codes -> households (household_id));
diesel::joinable!(codes -> shops (shop_id));
diesel::joinable!(news_grids -> news (news_id));
diesel::joinable!(news_grids -> grids (grid_id));

diesel::table! {
    reports (id) {
        id -> Int8,
        public_id -> Text,
        idempotency_key -> Nullable<Text>,
        request_hash -> Text,
        code_id -> Nullable<Int8>,
        grid_id -> Int8,
        category -> Text,
        department -> Text,
        ledger_kind -> Text,
        description -> Text,
        location_source -> Text,
        lon -> Nullable<Float8>,
        lat -> Nullable<Float8>,
        address_text -> Nullable<Text>,
        reporter_email -> Nullable<Text>,
        reporter_locale -> Text,
        state -> Text,
        escalation_level -> Int2,
        dispatched_to -> Nullable<Text>,
        rating -> Nullable<Text>,
        duplicate_of -> Nullable<Int8>,
        reopen_count -> Int4,
        accept_by -> Timestamptz,
        finish_by -> Timestamptz,
        submitted_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        resolved_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
        followers -> Int4,
        resident_id -> Nullable<Int8>,
        filed_by -> Nullable<Int8>,
    }
}

diesel::table! {
    residents (id) {
        id -> Int8,
        email -> Text,
        display_name -> Nullable<Text>,
        locale -> Text,
        notify_email -> Bool,
        created_at -> Timestamptz,
        last_sign_in_at -> Nullable<Timestamptz>,
        sessions_valid_after -> Timestamptz,
    }
}

diesel::table! {
    household_members (household_id, resident_id) {
        household_id -> Int8,
        resident_id -> Int8,
        bound_at -> Timestamptz,
        bound_via -> Text,
        approved_by -> Nullable<Int8>,
    }
}

diesel::table! {
    binding_requests (id) {
        id -> Int8,
        household_id -> Int8,
        resident_id -> Int8,
        status -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamptz,
        decided_at -> Nullable<Timestamptz>,
        decided_by -> Nullable<Int8>,
    }
}

diesel::table! {
    case_events (id) {
        id -> Int8,
        report_id -> Int8,
        at -> Timestamptz,
        actor -> Text,
        staff_id -> Nullable<Int8>,
        action -> Text,
        from_state -> Nullable<Text>,
        to_state -> Nullable<Text>,
        note -> Nullable<Text>,
        data -> Jsonb,
        public -> Bool,
    }
}

diesel::table! {
    report_photos (id) {
        id -> Int8,
        report_id -> Int8,
        event_id -> Nullable<Int8>,
        position -> Int2,
        storage_key -> Text,
        thumb_key -> Text,
        width -> Int4,
        height -> Int4,
        bytes -> Int4,
        sha256 -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    report_followers (report_id, email) {
        report_id -> Int8,
        email -> Text,
        created_at -> Timestamptz,
        confirmed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Int8,
        dedupe_key -> Text,
        to_address -> Text,
        template -> Text,
        locale -> Text,
        params -> Jsonb,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(reports -> grids (grid_id));
diesel::joinable!(case_events -> reports (report_id));
diesel::joinable!(report_photos -> reports (report_id));
diesel::table! {
    polls (id) {
        id -> Int8,
        title -> Text,
        description -> Text,
        ballot_unit -> Text,
        results -> Text,
        secrecy -> Text,
        opens_at -> Timestamptz,
        closes_at -> Timestamptz,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    poll_grids (poll_id, grid_id) {
        poll_id -> Int8,
        grid_id -> Int8,
    }
}

diesel::table! {
    poll_questions (id) {
        id -> Int8,
        poll_id -> Int8,
        position -> Int2,
        text -> Text,
        max_choices -> Int2,
    }
}

diesel::table! {
    poll_options (id) {
        id -> Int8,
        question_id -> Int8,
        position -> Int2,
        text -> Text,
    }
}

diesel::table! {
    poll_participation (poll_id, voter_key) {
        poll_id -> Int8,
        voter_key -> Text,
        household_id -> Int8,
        resident_id -> Int8,
        grid_id -> Int8,
        cast_at -> Timestamptz,
    }
}

diesel::table! {
    poll_ballots (id) {
        id -> Uuid,
        poll_id -> Int8,
        voter_key -> Nullable<Text>,
        grid_id -> Nullable<Int8>,
    }
}

diesel::table! {
    poll_ballot_choices (ballot_id, option_id) {
        ballot_id -> Uuid,
        option_id -> Int8,
    }
}

diesel::joinable!(report_followers -> reports (report_id));
diesel::joinable!(poll_grids -> polls (poll_id));
diesel::joinable!(poll_grids -> grids (grid_id));
diesel::joinable!(poll_questions -> polls (poll_id));
diesel::joinable!(poll_options -> poll_questions (question_id));
diesel::joinable!(poll_participation -> polls (poll_id));
diesel::joinable!(poll_ballots -> polls (poll_id));
diesel::joinable!(poll_ballot_choices -> poll_ballots (ballot_id));
diesel::joinable!(poll_ballot_choices -> poll_options (option_id));
diesel::joinable!(household_members -> households (household_id));
diesel::joinable!(household_members -> residents (resident_id));
diesel::joinable!(binding_requests -> households (household_id));
diesel::joinable!(binding_requests -> residents (resident_id));

diesel::allow_tables_to_appear_in_same_query!(
    grids,
    households,
    shops,
    staff,
    staff_grids,
    codes,
    news,
    news_grids,
    import_batches,
    audit_events,
    reports,
    case_events,
    report_photos,
    report_followers,
    mail_outbox,
    residents,
    household_members,
    binding_requests,
    polls,
    poll_grids,
    poll_questions,
    poll_options,
    poll_participation,
    poll_ballots,
    poll_ballot_choices,
);

diesel::table! {
    points_accounts (id) {
        id -> Text,
        kind -> Text,
        balance -> Int8,
        version -> Int8,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    points_transfers (id) {
        id -> Text,
        seq -> Int8,
        kind -> Text,
        from_account -> Text,
        to_account -> Text,
        amount -> Int8,
        from_version -> Int8,
        to_version -> Int8,
        reason -> Text,
        actor -> Text,
        community_id -> Nullable<Int8>,
        reverses -> Nullable<Text>,
        request_hash -> Text,
        status -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    points_holds (id) {
        id -> Text,
        resident_id -> Int8,
        shop_id -> Int8,
        amount -> Int8,
        confirmation -> Text,
        status -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        decided_at -> Nullable<Timestamptz>,
        decided_by -> Nullable<Int8>,
        outcome_transfer -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(points_holds, points_transfers, shops);

diesel::table! {
    activities (id) {
        id -> Int8,
        grid_id -> Int8,
        community_id -> Int8,
        title -> Text,
        place -> Text,
        description -> Text,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        points -> Int8,
        max_volunteers -> Int4,
        checkin_token -> Text,
        check_code -> Text,
        status -> Text,
        created_by -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    activity_checkins (activity_id, resident_id) {
        activity_id -> Int8,
        resident_id -> Int8,
        checked_in_at -> Timestamptz,
        status -> Text,
        decided_at -> Nullable<Timestamptz>,
        decided_by -> Nullable<Int8>,
    }
}

diesel::table! {
    points_earnings (source) {
        source -> Text,
        rule -> Text,
        resident_id -> Int8,
        community_id -> Int8,
        amount -> Nullable<Int8>,
        label -> Text,
        status -> Text,
        outcome -> Nullable<Text>,
        created_at -> Timestamptz,
        decided_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(activity_checkins -> activities (activity_id));
diesel::joinable!(activity_checkins -> residents (resident_id));
diesel::allow_tables_to_appear_in_same_query!(activities, activity_checkins, residents);
diesel::allow_tables_to_appear_in_same_query!(activities, grids);

diesel::table! {
    print_batches (id) {
        id -> Int8,
        template -> Text,
        grid_ids -> Array<Int8>,
        staff_id -> Nullable<Int8>,
        printed_by -> Text,
        via -> Text,
        code_count -> Int4,
        status -> Text,
        page_count -> Int4,
        failure -> Nullable<Text>,
        finished_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    print_batch_codes (batch_id, position) {
        batch_id -> Int8,
        position -> Int4,
        code_id -> Int8,
    }
}

diesel::joinable!(print_batch_codes -> print_batches (batch_id));

diesel::table! {
    report_consents (report_id) {
        report_id -> Int8,
        how -> Text,
        contact -> Nullable<Text>,
    }
}

diesel::joinable!(report_consents -> reports (report_id));
diesel::allow_tables_to_appear_in_same_query!(report_consents, reports);
