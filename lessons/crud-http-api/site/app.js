// The course's page (webpage1), without jQuery: a GET with the table's name as soon as the page
// loads, and a POST of a new item when the form is submitted. The lesson fills in the API's URL.
(function () {
  "use strict";

  const apiUrl = "${URL}";
  const tableName = "ccbda-lambda-first";

  const items = document.getElementById("items");
  const status = document.getElementById("status");
  const errors = document.getElementById("error");
  document.getElementById("table-name").textContent = tableName;
  document.getElementById("api-url").textContent = apiUrl;

  function show(thingID) {
    const item = document.createElement("li");
    item.textContent = thingID;
    items.appendChild(item);
  }

  function fail(what, error) {
    errors.hidden = false;
    const line = document.createElement("div");
    line.textContent = what + ": " + error;
    errors.appendChild(line);
  }

  async function list() {
    status.textContent = "Loading…";
    try {
      const answer = await fetch(apiUrl + "?" + new URLSearchParams({ TableName: tableName }));
      if (!answer.ok) throw new Error("HTTP " + answer.status);
      const result = await answer.json();
      for (const item of result.Items || []) {
        show(item.thingID.S);
      }
      status.textContent = (result.Items || []).length + " items";
    } catch (error) {
      status.textContent = "";
      fail("GET", error);
    }
  }

  document.getElementById("form").addEventListener("submit", async function (event) {
    event.preventDefault();
    const input = document.getElementById("thingID");
    const thingID = input.value.trim();
    if (!thingID) return;
    const payload = { TableName: tableName, Item: { thingID: { S: thingID } } };
    try {
      const answer = await fetch(apiUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
        cache: "no-store",
      });
      if (!answer.ok) throw new Error("HTTP " + answer.status);
      input.value = "";
      show(thingID);
      status.textContent = "Added " + thingID;
    } catch (error) {
      fail("POST", error);
    }
  });

  list();
})();
