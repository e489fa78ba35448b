// The Jalali date picker on every input with data-jdp. The page chooses the bound on the
// script tag: data-min-date="today" (appointments) or data-max-date="today" (birth dates).
//
// The calendar opens in the page's flow, right under its field (hoviat.css), so it pushes the
// rest of the form down instead of covering it (on phones the library would lay a sheet over
// the whole page, submit button included). It opens at the date already typed (Persian or
// Latin digits) and follows the typing; Tab or Escape closes it, and the field stays typeable
// on phones (the library would make it read-only there).
(function () {
  const options = {
    persianDigits: true,
    changeMonthRotateYear: true,
    showTodayBtn: true,
    autoReadOnlyInput: false,
  };
  const own = document.currentScript ? document.currentScript.dataset : {};
  if (own.minDate) options.minDate = own.minDate;
  if (own.maxDate) options.maxDate = own.maxDate;
  jalaliDatepicker.startWatch(options);

  const picker = jalaliDatepicker;
  const isDateField = (el) => el && el.matches && el.matches("input[data-jdp]");
  const latin = (text) =>
    text
      .replace(/[۰-۹]/g, (d) => String("۰۱۲۳۴۵۶۷۸۹".indexOf(d)))
      .replace(/[٠-٩]/g, (d) => String("٠١٢٣٤٥٦٧٨٩".indexOf(d)));
  let open = null; // the field the calendar was last opened for, and the date it shows
  let showing = "";

  // Under its own field, in the page's flow (the library appends it to <body>).
  function placeUnder(input) {
    const box = document.querySelector("jdp-container");
    const anchor = input.closest(".input-group") || input;
    if (box && anchor.nextElementSibling !== box) anchor.insertAdjacentElement("afterend", box);
  }

  // Open at the typed year and month: the library reads only Latin digits from the field, so
  // it is shown the Latin form for the moment it opens, then the person's own text is back.
  function followTyping(input) {
    const match = /^\s*(\d{4})\s*[/\-.]\s*(\d{1,2})(?:\s*[/\-.]\s*(\d{1,2}))?\s*$/.exec(
      latin(input.value)
    );
    if (!match) return;
    const [, year, month, day] = match.map(Number);
    if (month < 1 || month > 12 || (open === input && showing === `${year}/${month}/${day}`)) return;
    const typed = input.value;
    const [start, end] = [input.selectionStart, input.selectionEnd];
    input.value = `${year}/${String(month).padStart(2, "0")}/${String(day || 1).padStart(2, "0")}`;
    picker.show(input);
    input.value = typed;
    input.setSelectionRange(start, end);
    placeUnder(input);
    open = input;
    showing = `${year}/${month}/${day}`;
  }

  // After the library's own focusin handler (on <body>) has opened the calendar.
  document.addEventListener("focusin", (event) => {
    if (!isDateField(event.target)) return;
    open = event.target;
    showing = "";
    placeUnder(event.target);
    followTyping(event.target);
  });
  document.addEventListener("input", (event) => {
    if (isDateField(event.target) && open === event.target) followTyping(event.target);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Tab" && isDateField(event.target)) picker.hide();
  });
})();
