//! `wit/` is the source of truth for `spindesk:bot/actions`: every component that exports it
//! (the built-in actions, the misbehaving test actions, the customer template in `examples/`)
//! and every component that imports it (widget, channels, bot) carries exactly the interface
//! `wit/bot.wit` defines — same functions, same types, field for field — and no other
//! component imports it (Spin would have nothing to satisfy the import with). The components
//! are the release builds Spin runs (`cargo build --target wasm32-wasip2 --release`; CI builds
//! them before the tests, so nothing is rebuilt here).

use spindesk_tests::actions::{built, built_example, workspace};
use std::path::Path;
use wit_component::DecodedWasm;
use wit_parser::{InterfaceId, Resolve, Type, TypeDefKind, WorldItem};

const PACKAGE: &str = "spindesk:bot@0.1.0";

/// The interface, written out structurally: each function's parameters and result, each type
/// by name and shape (docs aside: a component carries none).
fn render(r: &Resolve, id: InterfaceId) -> String {
    let i = &r.interfaces[id];
    let mut funcs: Vec<String> = i
        .functions
        .values()
        .map(|f| {
            let params: Vec<String> = f
                .params
                .iter()
                .map(|(n, t)| format!("{n}: {}", ty(r, t)))
                .collect();
            let result = f.result.as_ref().map_or("()".into(), |t| ty(r, t));
            format!("{}({}) -> {result}", f.name, params.join(", "))
        })
        .collect();
    funcs.sort();
    funcs.join("\n")
}

fn ty(r: &Resolve, t: &Type) -> String {
    let Type::Id(id) = t else {
        return format!("{t:?}").to_lowercase();
    };
    let def = &r.types[*id];
    let opt = |t: &Option<Type>| t.as_ref().map_or("_".into(), |t| ty(r, t));
    let shape = match &def.kind {
        TypeDefKind::Record(rec) => {
            let fields: Vec<String> = rec
                .fields
                .iter()
                .map(|f| format!("{}: {}", f.name, ty(r, &f.ty)))
                .collect();
            format!("record {{{}}}", fields.join(", "))
        }
        TypeDefKind::Variant(v) => {
            let cases: Vec<String> = v
                .cases
                .iter()
                .map(|c| format!("{}({})", c.name, opt(&c.ty)))
                .collect();
            format!("variant {{{}}}", cases.join(", "))
        }
        TypeDefKind::List(t) => format!("list<{}>", ty(r, t)),
        TypeDefKind::Option(t) => format!("option<{}>", ty(r, t)),
        TypeDefKind::Result(res) => format!("result<{}, {}>", opt(&res.ok), opt(&res.err)),
        TypeDefKind::Type(t) => ty(r, t),
        other => panic!("spindesk:bot uses no {other:?}: extend this test"),
    };
    match &def.name {
        Some(name) => format!("{name}={shape}"),
        None => shape,
    }
}

fn actions_of(r: &Resolve, items: &[&WorldItem]) -> Option<InterfaceId> {
    items.iter().find_map(|item| match item {
        WorldItem::Interface { id, .. } => {
            let i = &r.interfaces[*id];
            let package = i.package.map(|p| r.packages[p].name.to_string());
            (i.name.as_deref() == Some("actions") && package.as_deref() == Some(PACKAGE))
                .then_some(*id)
        }
        _ => None,
    })
}

/// `wit/`'s interface.
fn source_of_truth() -> String {
    let mut r = Resolve::default();
    let (pkg, _) = r.push_dir(workspace().join("wit")).expect("wit/ parses");
    assert_eq!(r.packages[pkg].name.to_string(), PACKAGE);
    let id = r.packages[pkg].interfaces["actions"];
    render(&r, id)
}

/// The component's `spindesk:bot/actions`, as (imported, exported).
fn embedded(wasm: &Path) -> (Option<String>, Option<String>) {
    let bytes = std::fs::read(wasm).expect("read component");
    let DecodedWasm::Component(r, world) = wit_component::decode(&bytes).expect("a component")
    else {
        panic!("{} is not a component", wasm.display());
    };
    let w = &r.worlds[world];
    let imports: Vec<&WorldItem> = w.imports.values().collect();
    let exports: Vec<&WorldItem> = w.exports.values().collect();
    (
        actions_of(&r, &imports).map(|id| render(&r, id)),
        actions_of(&r, &exports).map(|id| render(&r, id)),
    )
}

#[test]
fn every_exporter_carries_the_interface_of_wit() {
    let truth = source_of_truth();
    assert!(
        truth.contains("run(name: string, context: context=record {"),
        "{truth}"
    );
    for wasm in [
        built("actions-builtin"),
        built("actions-test"),
        built_example("bot-action"),
    ] {
        let (imported, exported) = embedded(&wasm);
        assert_eq!(imported, None, "{}", wasm.display());
        assert_eq!(
            exported.as_deref(),
            Some(truth.as_str()),
            "{}",
            wasm.display()
        );
    }
}

#[test]
fn the_components_that_run_the_bot_import_the_interface_of_wit_and_no_other_does() {
    let truth = source_of_truth();
    for surface in spindesk_tests::surfaces() {
        let wasm = built(surface.component);
        let (imported, exported) = embedded(&wasm);
        assert_eq!(exported, None, "{}", surface.component);
        if surface.uses.actions {
            assert_eq!(
                imported.as_deref(),
                Some(truth.as_str()),
                "{}",
                surface.component
            );
        } else {
            assert_eq!(
                imported, None,
                "{} must not import the actions",
                surface.component
            );
        }
    }
}
