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
  let closed = false; // Tab or Escape closed it: it stays closed until the person types again

  // Under its own field, in the page's flow (the library appends it to <body>).
  function placeUnder(input) {
    const box = document.querySelector("jdp-container");
    const anchor = input.closest(".input-group") || input;
    if (box && anchor.nextElementSibling !== box) anchor.insertAdjacentElement("afterend", box);
  }

  // Open at the typed date. The library reads only Latin digits from the field: a date in
  // Persian digits is shown to it in Latin ones for the moment it opens, then the person's own
  // text and cursor are put back.
  function followTyping(input) {
    const match = /^\s*(\d{4})\s*[/\-.]\s*(\d{1,2})(?:\s*[/\-.]\s*(\d{1,2}))?\s*$/.exec(
      latin(input.value)
    );
    if (!match) return;
    const [, year, month, day] = match.map(Number);
    if (month < 1 || month > 12 || (open === input && showing === `${year}/${month}/${day}`)) return;
    const typed = input.value;
    const plain = `${year}/${String(month).padStart(2, "0")}/${String(day || 1).padStart(2, "0")}`;
    if (typed.trim() === plain) {
      picker.show(input);
    } else {
      const [start, end, direction] = [
        input.selectionStart,
        input.selectionEnd,
        input.selectionDirection,
      ];
      input.value = plain;
      picker.show(input);
      input.value = typed;
      if (document.activeElement === input) input.setSelectionRange(start, end, direction);
    }
    placeUnder(input);
    open = input;
    showing = `${year}/${month}/${day}`;
  }

  // After the library's own focusin handler (on <body>) has opened the calendar; the date
  // already in the field is followed once the focus has settled.
  document.addEventListener("focusin", (event) => {
    const field = event.target;
    if (!isDateField(field)) return;
    open = field;
    showing = "";
    closed = false;
    placeUnder(field);
    setTimeout(() => {
      if (document.activeElement === field && !closed) followTyping(field);
    }, 0);
  });
  document.addEventListener("input", (event) => {
    if (!isDateField(event.target) || open !== event.target) return;
    closed = false;
    followTyping(event.target);
  });
  // Tab and Escape close the calendar; again once any opening still under way is over (the
  // library finishes each one 300 ms after it starts, and would show the calendar again).
  document.addEventListener("keydown", (event) => {
    if ((event.key !== "Tab" && event.key !== "Escape") || !isDateField(event.target)) return;
    closed = true;
    picker.hide();
    setTimeout(() => {
      if (closed) picker.hide();
    }, 350);
  });
})();
