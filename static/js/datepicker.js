// The Jalali date picker on every input with data-jdp. The page chooses the bound on the
// script tag: data-min-date="today" (appointments) or data-max-date="today" (birth dates).
(function () {
  const options = {persianDigits: true, changeMonthRotateYear: true, showTodayBtn: true};
  const own = document.currentScript ? document.currentScript.dataset : {};
  if (own.minDate) options.minDate = own.minDate;
  if (own.maxDate) options.maxDate = own.maxDate;
  jalaliDatepicker.startWatch(options);
})();
