//! The typed contract between the desktop UI and the Rust side.
//!
//! Every value that crosses the Tauri boundary is declared here as a plain DTO, and the TypeScript
//! the UI compiles against is generated from these declarations ([`bindings`]). This crate owns no
//! behaviour: it must not depend on the engine, the sandbox or Tauri, so both sides can share it.

pub mod bindings;
mod diagram;
mod error;
mod info;
mod inspect;
mod lesson;
mod load;
mod resources;
mod settings;
mod waterfall;

pub use diagram::{DiagramEdge, DiagramNode, DiagramView};
pub use error::{ErrorCode, ErrorDto};
pub use info::{AppInfo, SandboxHealth, TargetInfo};
pub use inspect::{
    AuthorizerView, ExchangeView, Header, InvokeRequest, InvokeResultView, ServerRecord,
    SignInRequest, SignInView, TryItRequest, WsConnectRequest, WsConnectionView, WsFrameView,
    WsSendRequest,
};
pub use lesson::{
    ChoiceOption, ChoiceView, LessonEvent, LessonSummary, LessonTarget, LessonView, QuestionView,
    StepView, TryItView, Variable,
};
pub use load::{
    CostView, LatencyView, LoadBucketView, LoadErrorsView, LoadEvent, LoadPlanDto, LoadRunView,
    LoadSnapshotView, ThresholdView,
};
pub use resources::{
    FunctionSources, ItemPage, RemovalView, ResourceDescription, ResourceView, SourceFileView,
    TeardownView,
};
pub use settings::{Settings, TargetChoice};
pub use waterfall::{WaterfallRequest, WaterfallRow, WaterfallView};
