package bot

// PeriodMessages lets the external tests page through a period as a digest does.
var PeriodMessages = periodMessages
