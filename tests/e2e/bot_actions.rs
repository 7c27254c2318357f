
#[test]
fn the_example_action_builds_and_runs_as_the_dependency() {
    let example = built_example("bot-action");
    let app = App::new().with_actions(WasmActions::load(&example, Limits::default()).expect("load"));
    let bot = json!({"name": "VIP", "answers": [{"id": "hi", "name": "hi", "keywords": ["hello"],
        "steps": [
            {"type": "run_action", "id": "vip", "action": "vip-check",
             "inputs": {"email": "{{customer.email}}"}, "next": "tell", "failure": "tell"},
            {"type": "send_message", "id": "tell", "text": "VIP: {{vip}}"}]}]});
    app.publish_bot(&bot);
    for (email, said) in [("Kim@BigCustomer.com", "VIP: yes"), ("lee@elsewhere.org", "VIP: no")] {
        let r = app
            .request("bot", "POST", "/api/bot/simulate")
            .admin()
            .json(&json!({"inputs": ["hello"], "customer": {"email": email}}))
            .send()
            .expect(200)
            .json();
        assert!(r["transcript"].to_string().contains(said), "{email}: {r}");
    }
}
