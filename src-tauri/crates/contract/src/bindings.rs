//! Generation of the TypeScript declarations the UI imports (`ui/src/lib/bindings.ts`).
//!
//! The file is generated and committed. The test at the bottom fails when it is stale; run it with
//! `UPDATE_BINDINGS=1` (or `make bindings`) to rewrite it.

use ts_rs::{Config, TS};

use crate::*;

/// The path of the generated file, relative to the workspace root.
pub const BINDINGS_PATH: &str = "ui/src/lib/bindings.ts";

/// Renders every contract type into one TypeScript module.
pub fn render() -> String {
    let cfg = Config::new();
    let mut out = String::from(
        "// Generated from the Rust crate lab-contract by `make bindings`. Do not edit by hand.\n",
    );
    let declarations = [
        declaration::<AppInfo>(&cfg),
        declaration::<TargetInfo>(&cfg),
        declaration::<SandboxHealth>(&cfg),
        declaration::<ErrorDto>(&cfg),
        declaration::<ErrorCode>(&cfg),
        declaration::<LessonSummary>(&cfg),
        declaration::<LessonView>(&cfg),
        declaration::<LessonTarget>(&cfg),
        declaration::<Variable>(&cfg),
        declaration::<StepView>(&cfg),
        declaration::<ChoiceView>(&cfg),
        declaration::<ChoiceOption>(&cfg),
        declaration::<TryItView>(&cfg),
        declaration::<QuestionView>(&cfg),
        declaration::<LessonEvent>(&cfg),
        declaration::<Header>(&cfg),
        declaration::<ExchangeView>(&cfg),
        declaration::<TryItRequest>(&cfg),
        declaration::<SignInRequest>(&cfg),
        declaration::<SignInView>(&cfg),
        declaration::<ServerRecord>(&cfg),
        declaration::<AuthorizerView>(&cfg),
        declaration::<WsConnectRequest>(&cfg),
        declaration::<WsConnectionView>(&cfg),
        declaration::<WsSendRequest>(&cfg),
        declaration::<WsFrameView>(&cfg),
        declaration::<InvokeRequest>(&cfg),
        declaration::<InvokeResultView>(&cfg),
        declaration::<ResourceView>(&cfg),
        declaration::<ResourceDescription>(&cfg),
        declaration::<RemovalView>(&cfg),
        declaration::<TeardownView>(&cfg),
        declaration::<FunctionSources>(&cfg),
        declaration::<SourceFileView>(&cfg),
        declaration::<ItemPage>(&cfg),
        declaration::<DiagramView>(&cfg),
        declaration::<DiagramNode>(&cfg),
        declaration::<DiagramEdge>(&cfg),
        declaration::<WaterfallRequest>(&cfg),
        declaration::<WaterfallView>(&cfg),
        declaration::<WaterfallRow>(&cfg),
        declaration::<LoadPlanDto>(&cfg),
        declaration::<LatencyView>(&cfg),
        declaration::<LoadSnapshotView>(&cfg),
        declaration::<LoadErrorsView>(&cfg),
        declaration::<LoadBucketView>(&cfg),
        declaration::<ThresholdView>(&cfg),
        declaration::<CostView>(&cfg),
        declaration::<LoadRunView>(&cfg),
        declaration::<LoadEvent>(&cfg),
        declaration::<Settings>(&cfg),
        declaration::<TargetChoice>(&cfg),
    ];
    for declaration in declarations {
        out.push('\n');
        out.push_str(&declaration);
    }
    out
}

fn declaration<T: TS>(cfg: &Config) -> String {
    let mut text = String::new();
    if let Some(docs) = T::docs() {
        text.push_str(&docs);
    }
    text.push_str("export ");
    text.push_str(&T::decl(cfg));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn committed_bindings_are_fresh() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..");
        let path = root.join(BINDINGS_PATH);
        let expected = render();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &expected).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == expected,
            "{BINDINGS_PATH} is stale: run `make bindings` and commit the result"
        );
    }
}
