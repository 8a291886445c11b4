//! Mapping templates against the examples of API Gateway's developer guide and Velocity's
//! rules, one table per concern.

use std::collections::BTreeMap;

use serde_json::json;

use super::{Inputs, Rendered, TemplateError, render};

struct Request {
    body: &'static str,
    path: BTreeMap<String, String>,
    querystring: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    context: serde_json::Value,
    stage_variables: BTreeMap<String, String>,
}

fn request(body: &'static str) -> Request {
    Request {
        body,
        path: BTreeMap::from([("id".to_owned(), "abc".to_owned())]),
        querystring: vec![("name".to_owned(), "Bob".to_owned())],
        headers: vec![
            ("Accept".to_owned(), "application/json".to_owned()),
            ("User-Agent".to_owned(), "curl/8.0".to_owned()),
        ],
        context: json!({
            "accountId": "000000000000",
            "apiId": "a1b2c3",
            "httpMethod": "POST",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "curl/8.0", "apiKey": null},
            "requestId": "req-1",
            "resourceId": "r1",
            "resourcePath": "/things/{id}",
            "stage": "prod",
        }),
        stage_variables: BTreeMap::from([("alias".to_owned(), "PROD".to_owned())]),
    }
}

fn run(template: &str, request: &Request) -> Result<Rendered, TemplateError> {
    let inputs = Inputs::new(
        request.body.as_bytes(),
        &request.path,
        &request.querystring,
        &request.headers,
        &request.context,
        &request.stage_variables,
    );
    render(template, &inputs)
}

fn output(template: &str, body: &'static str) -> String {
    match run(template, &request(body)) {
        Ok(rendered) => rendered.output,
        Err(error) => format!("error: {error}"),
    }
}

/// Compares JSON outputs as JSON, so indentation does not matter.
fn json_output(template: &str, body: &'static str) -> serde_json::Value {
    let text = output(template, body);
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}: {text}"))
}

#[test]
fn developer_guide_input_examples() {
    // "Example Request and Response Using $input".
    let template = r#"{
    "id" : "$input.params('id')",
    "count" : "$input.path('$.things').size()",
    "things" : $input.json('$.things')
}"#;
    assert_eq!(
        json_output(template, r#"{"things": {"1": {}, "2": {}, "3": {}}}"#),
        json!({"id": "abc", "count": "3", "things": {"1": {}, "2": {}, "3": {}}})
    );
    // "Example JSON Mapping Template Using $input".
    assert_eq!(
        json_output(
            r#"{"name" : "$input.params('name')", "body" : $input.json('$')}"#,
            r#"{"mykey": [1, "two"]}"#
        ),
        json!({"name": "Bob", "body": {"mykey": [1, "two"]}})
    );
    // $util.parseJson on an error message holding JSON.
    let template = "#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))\n{\n   \"errorMessageObjKey2ArrVal\" : $errorMessageObj.key2.arr[0]\n}\n";
    assert_eq!(
        output(
            template,
            r#"{"errorMessage":"{\"key1\":\"var1\",\"key2\":{\"arr\":[1,2,3]}}"}"#
        ),
        "{\n   \"errorMessageObjKey2ArrVal\" : 1\n}\n"
    );
}

#[test]
fn the_photos_example_reshapes_a_list() {
    let template = r#"#set($inputRoot = $input.path('$'))
{
  "photos": [
#foreach($elem in $inputRoot.photos.photo)
    {
      "id": "$elem.id",
      "photographedBy": "$elem.photographer_first_name $elem.photographer_last_name",
      "title": "$elem.title",
      "ispublic": $elem.ispublic
    }#if($foreach.hasNext),#end
#end
  ]
}"#;
    let body = r#"{"photos": {"page": 1, "photo": [
        {"id": "8055", "photographer_first_name": "Ana", "photographer_last_name": "Li", "title": "Sea", "ispublic": true},
        {"id": "8056", "photographer_first_name": "Bo", "photographer_last_name": "Ng", "title": "Sky", "ispublic": false}]}}"#;
    assert_eq!(
        json_output(template, body),
        json!({"photos": [
            {"id": "8055", "photographedBy": "Ana Li", "title": "Sea", "ispublic": true},
            {"id": "8056", "photographedBy": "Bo Ng", "title": "Sky", "ispublic": false}
        ]})
    );
}

#[test]
fn the_method_request_passthrough_template_passes_everything() {
    // The console's "Method request passthrough" template, abridged only in its context list.
    let template = r#"##  See https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
#set($allParams = $input.params())
{
"body-json" : $input.json('$'),
"params" : {
#foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
"$type" : {
    #foreach($paramName in $params.keySet())
    "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
        #if($foreach.hasNext),#end
    #end
}
    #if($foreach.hasNext),#end
#end
},
"stage-variables" : {
#foreach($key in $stageVariables.keySet())
"$key" : "$util.escapeJavaScript($stageVariables.get($key))"
    #if($foreach.hasNext),#end
#end
},
"context" : {
    "account-id" : "$context.identity.accountId",
    "api-id" : "$context.apiId",
    "api-key" : "$context.identity.apiKey",
    "http-method" : "$context.httpMethod",
    "source-ip" : "$context.identity.sourceIp",
    "user-agent" : "$context.identity.userAgent",
    "request-id" : "$context.requestId",
    "resource-id" : "$context.resourceId",
    "resource-path" : "$context.resourcePath"
    }
}
"#;
    assert_eq!(
        json_output(template, r#"{"a": "x/y"}"#),
        json!({
            "body-json": {"a": "x/y"},
            "params": {
                "path": {"id": "abc"},
                "querystring": {"name": "Bob"},
                "header": {"Accept": "application/json", "User-Agent": "curl/8.0"}
            },
            "stage-variables": {"alias": "PROD"},
            "context": {
                "account-id": "", "api-id": "a1b2c3", "api-key": "", "http-method": "POST",
                "source-ip": "127.0.0.1", "user-agent": "curl/8.0", "request-id": "req-1",
                "resource-id": "r1", "resource-path": "/things/{id}"
            }
        })
    );
}

#[test]
fn velocity_rules() {
    let cases = [
        // References: missing values render as nothing (API Gateway's way), braces, quiet.
        ("$missing|$!missing|${missing}|$context.nope.deeper", "|||"),
        ("${context.stage}-x $context.stage.", "prod-x prod."),
        (
            "$stageVariables.alias $stageVariables['alias']",
            "PROD PROD",
        ),
        // Text that only looks like references or directives.
        ("cost: $5 #fff #end-of-line", "cost: $5 #fff #end-of-line"),
        ("\\$context.stage \\#set", "$context.stage #set"),
        ("#[[ $raw #if ]]#", " $raw #if "),
        ("a## comment\nb#* block\n *#c", "abc"),
        // #set, arithmetic, strings.
        (
            "#set($n = 7)#set($m = $n * 3 - 1)$m $n / 2 = #set($h = $n / 2)$h",
            "20 7 / 2 = 3",
        ),
        ("#set($f = 7.0 / 2)$f", "3.5"),
        ("#set($s = \"v$n\")#set($n = 1)$s", "v"),
        ("#set($n = 1)#set($s = \"v$n\")$s '$n'", "v1 '1'"),
        ("#set($s = 'no $interp')$s", "no $interp"),
        ("#set($x = 'kept')#set($x = $nothing)$x", "kept"),
        // Conditions.
        ("#if($nothing)a#elseif(1 < 2 && !false)b#else c#end", "b"),
        ("#if('' && 0)truthy#end", "truthy"),
        ("#if(2 == 2.0 and 'a' eq 'a' and 3 gt 2)yes#end", "yes"),
        ("#{if}(false)x#{else}y#{end}", "y"),
        // Loops.
        (
            "#foreach($i in [1..3])$i#if($foreach.hasNext),#end#end",
            "1,2,3",
        ),
        (
            "#foreach($i in [3..1])$foreach.index:$i $velocityCount #end",
            "0:3 1 1:2 2 2:1 3 ",
        ),
        ("#foreach($i in [1..9])#if($i > 2)#break#end$i#end", "12"),
        ("#foreach($v in {'a': 1, 'b': 2})$v#end", "12"),
        ("a#stop b", "a"),
        // Directives take their line break with them.
        ("#set($a = 1)\n#if(true)\nx\n#end\ny", "x\ny"),
        // Java methods.
        (
            "#set($s = 'Hello, World')$s.length() $s.toUpperCase() $s.substring(7) $s.indexOf('o')",
            "12 HELLO, WORLD World 4",
        ),
        (
            "#set($s = 'a-b-c')$s.split('-').size() $s.replace('-', '+') $s.replaceAll('[a-c]', 'x')",
            "3 a+b+c x-x-x",
        ),
        (
            "#set($s = ' pad ')[$s.trim()] $s.contains('pa') $s.startsWith(' ') $s.matches('\\s\\w+\\s')",
            "[pad] true true true",
        ),
        (
            "#set($l = [])#set($ok = $l.add('x'))#set($ok = $l.add('y'))$l $l.size() $l.get(1) $l.contains('x')",
            "[x, y] 2 y true",
        ),
        (
            "#set($m = {})#set($ok = $m.put('k', 'v'))$m $m.k $m.get('k') $m.containsKey('z') $m.keySet()",
            "{k=v} v v false [k]",
        ),
        (
            "#set($m = {'a': {'b': 1}})#set($m.a.c = 2)$m",
            "{a={b=1, c=2}}",
        ),
        (
            "#set($x = 'A')$x.equals('A') $x.equalsIgnoreCase('a') $x.toString()",
            "true true A",
        ),
        ("$input.path('$.n').intValue() $input.path('$.f')", "2 2.5"),
        // Input.
        ("$input.body", r#"{"n": 2, "f": 2.5, "s": "it's"}"#),
        (
            "$input.json('$.s') $input.path('$.s') $input.json('$.none')|",
            "\"it's\" it's |",
        ),
        (
            "$input.params('name') $input.params('accept') [$input.params('absent')]",
            "Bob application/json []",
        ),
        // Util.
        (
            "$util.escapeJavaScript($input.path('$.s')).replaceAll(\"\\\\'\", \"'\")",
            "it's",
        ),
        (
            "$util.urlEncode('a b') $util.base64Encode('hi') $util.base64Decode('aGk=') $util.urlDecode('a%20b')",
            "a+b aGk= hi a b",
        ),
        ("$util.escapeJavaScript($missing)|", "|"),
    ];
    for (template, expected) in cases {
        assert_eq!(
            output(template, r#"{"n": 2, "f": 2.5, "s": "it's"}"#),
            expected,
            "{template}"
        );
    }
}

#[test]
fn overrides_come_back_with_the_output() {
    let rendered = run(
        "#set($context.responseOverride.status = 418)#set($context.responseOverride.header.X-Tea = 'yes')#set($context.requestOverride.querystring.q = 'v')ok",
        &request(""),
    )
    .expect("renders");
    assert_eq!(rendered.output, "ok");
    assert_eq!(rendered.status.as_deref(), Some("418"));
    assert_eq!(
        rendered.response_headers,
        [("X-Tea".to_owned(), "yes".to_owned())]
    );
    assert_eq!(
        rendered.request_querystring,
        [("q".to_owned(), "v".to_owned())]
    );
}

#[test]
fn failures_are_reported_not_rendered() {
    let cases: [(&str, &str, &str); 10] = [
        ("#if(true)x", "", "#if without its #end"),
        ("#end", "", "#end without a matching"),
        ("#foreach($i [1])#end", "", "expected in"),
        ("#set($x = )", "", "expected a value"),
        ("#macro(m)#end", "", "#macro is not available"),
        (
            "$input.json('$.a')",
            "not json",
            "Could not parse payload into json",
        ),
        ("$input.json('$.a[')", "{}", "Invalid JSONPath"),
        ("#set($l = [1])$l.get(5)", "", "IndexOutOfBoundsException"),
        ("#set($x = 1 / 0)", "", "division by zero"),
        (
            "#set($l = [])#set($ok = $l.add($l))",
            "",
            "cannot be put inside itself",
        ),
    ];
    for (template, body, expected) in cases {
        let result = output(template, body);
        assert!(
            result.starts_with("error: ") && result.contains(expected),
            "{template}: {result}"
        );
    }
}

#[test]
fn limits_bound_every_template() {
    // Loops stop after 1,000 iterations, as API Gateway's do.
    let rendered = run("#foreach($i in [1..5000])x#end", &request("")).expect("renders");
    assert_eq!(rendered.output.len(), 1_000);
    assert_eq!(rendered.truncated_loops, 1);
    // Nested loops cannot multiply the work without bound.
    let nested =
        "#foreach($a in [1..1000])#foreach($b in [1..1000])#foreach($c in [1..1000])x#end#end#end";
    assert!(matches!(
        run(nested, &request("")),
        Err(TemplateError::Evaluation(_))
    ));
    // Doubling a string is stopped at the payload limit.
    let doubling = "#set($s = 'ab')#foreach($i in [1..100])#set($s = \"$s$s\")#end";
    assert!(matches!(
        run(doubling, &request("")),
        Err(TemplateError::Evaluation(_))
    ));
    let doubling = "#set($s = 'ab')#foreach($i in [1..100])#set($s = $s.concat($s))#end";
    assert!(matches!(
        run(doubling, &request("")),
        Err(TemplateError::Evaluation(_))
    ));
    // Deep nesting is refused while parsing, whatever nests.
    for deep in [
        "#if(true)".repeat(100_000),
        format!("#set($x = {}1{})", "(".repeat(100_000), ")".repeat(100_000)),
        format!("#set($x = {}1)", "!".repeat(100_000)),
        format!("$a{}", ".b(".repeat(50_000)),
        format!("#set($x = {}{})", "[".repeat(50_000), "]".repeat(50_000)),
        format!(
            "#set($x = {}'a'{})",
            "\"$x.concat(".repeat(20_000),
            ")\"".repeat(20_000)
        ),
    ] {
        let template = &deep[..deep.len().min(290_000)];
        assert!(
            matches!(
                run(template, &request("")),
                Err(TemplateError::Syntax { .. })
            ),
            "{}",
            &template[..40]
        );
    }
    // Work grows with the size of what is handled: big strings and lists cost their size.
    let big = "#set($s = 'abcdefgh')#foreach($i in [1..20])#set($s = \"$s$s\")#end#foreach($a in [1..1000])#foreach($b in [1..1000])#set($t = $s.replace('a', 'b'))#end#end";
    assert!(matches!(
        run(big, &request("")),
        Err(TemplateError::Evaluation(_))
    ));
    let wide = "#set($l = [1..90000])#set($m = [])#foreach($a in [1..1000])#foreach($b in [1..1000])#set($ok = $m.add($l))#end#end";
    assert!(matches!(
        run(wide, &request("")),
        Err(TemplateError::Evaluation(_))
    ));
    let huge = "x".repeat(300 * 1024 + 1);
    assert!(matches!(
        run(&huge, &request("")),
        Err(TemplateError::TooLarge(_))
    ));
}
